package io.xiaozhi.pipeline.gateway.protocol;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One page of a {@code tools/list} result.
 *
 * @param tools the usable tools of the page
 * @param nextCursor the cursor of the next page; empty when this is the last
 * @param skipped how many entries were left out because they had no usable name
 */
public record McpToolPage(List<McpTool> tools, Optional<String> nextCursor, int skipped) {

    /** Copies the list. */
    public McpToolPage {
        tools = List.copyOf(tools);
        Objects.requireNonNull(nextCursor, "nextCursor");
    }
}
