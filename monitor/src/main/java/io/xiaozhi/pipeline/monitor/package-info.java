/** The monitor: consumer lag, metrics aggregation and alerts, its HTTP API and dashboard, reports and the lag table. */
package io.xiaozhi.pipeline.monitor;
