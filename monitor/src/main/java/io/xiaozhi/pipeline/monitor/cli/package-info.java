/** The monitor's command line: {@code report} (live or from history; JSON, Markdown, HTML) and {@code lag}, reading a running monitor's API. */
package io.xiaozhi.pipeline.monitor.cli;
