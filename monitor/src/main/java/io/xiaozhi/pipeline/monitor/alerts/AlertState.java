package io.xiaozhi.pipeline.monitor.alerts;

/**
 * What the alert processor remembers of one alert id between readings.
 *
 * @param active firing now (fired and not yet resolved)
 * @param since when the current firing began
 * @param lastEventAt when the last event of this id was raised (for repetition)
 * @param lastObservedAt the time of the newest reading seen (older or equal readings are ignored)
 * @param clearCount consecutive clear readings while active
 * @param clearSince the time of the first of them, null when the last reading was not clear
 * @param overCount consecutive readings over the threshold while inactive (a fallback rule needs two)
 * @param message the description of the newest reading that was not clear
 * @param fallback the id's readings are a worker's response time
 * @param lastAlert the last event raised, null before the first
 */
public record AlertState(String id, boolean active, long since, long lastEventAt, int repeat, long lastObservedAt, int clearCount,
                         Long clearSince, int overCount, String message, boolean fallback, Alert lastAlert) {
}
