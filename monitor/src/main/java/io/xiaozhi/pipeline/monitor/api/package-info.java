/**
 * The monitor's HTTP side: the JSON API over {@link io.xiaozhi.pipeline.monitor.api.MonitorData}, the
 * in-memory lag history, Prometheus {@code /metrics}, {@code /health} and the dashboard page.
 */
package io.xiaozhi.pipeline.monitor.api;
