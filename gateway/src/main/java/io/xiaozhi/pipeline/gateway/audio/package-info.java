/**
 * Device audio at the gateway: Opus decoding of the uplink as far as voice activity detection
 * needs, Opus encoding for simulated devices and prepared prompts, voice activity detectors
 * ({@link io.xiaozhi.pipeline.gateway.audio.SileroVad}, {@link io.xiaozhi.pipeline.gateway.audio.EnergyVad})
 * and the {@link io.xiaozhi.pipeline.gateway.audio.UtteranceDetector} that turns their per-window
 * decisions into the start and end of an utterance.
 */
package io.xiaozhi.pipeline.gateway.audio;
