package io.xiaozhi.pipeline.llm.openai;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Puts streamed tool calls back together. In the chat completions stream a call arrives in pieces
 * under its {@code index}: the id and the function name in the first piece, the arguments as string
 * fragments to concatenate. Some providers send each call whole, without an index; a piece without
 * an index whose id differs from the last call's starts a new call, otherwise it continues the last.
 */
final class ToolCallAssembler {

    /** A call being assembled. */
    static final class Partial {
        final int index;
        String id = "";
        String name = "";
        final StringBuilder arguments = new StringBuilder();

        Partial(int index) {
            this.index = index;
        }
    }

    private final Map<Integer, Partial> calls = new TreeMap<>();
    private Partial last;

    /** One piece: {@code index} may be null when the provider gives none; the other parts may be null or empty. */
    void piece(Integer index, String id, String name, String argumentsFragment) {
        Partial call;
        if (index != null) {
            call = calls.computeIfAbsent(index, Partial::new);
        } else if (last == null || (id != null && !id.isEmpty() && !last.id.isEmpty() && !id.equals(last.id))) {
            int next = calls.isEmpty() ? 0 : ((TreeMap<Integer, Partial>) calls).lastKey() + 1;
            call = new Partial(next);
            calls.put(next, call);
        } else {
            call = last;
        }
        if (id != null && !id.isEmpty() && call.id.isEmpty()) {
            call.id = id;
        }
        if (name != null && !name.isEmpty() && call.name.isEmpty()) {
            call.name = name;
        }
        if (argumentsFragment != null) {
            call.arguments.append(argumentsFragment);
        }
        last = call;
    }

    boolean isEmpty() {
        return calls.isEmpty();
    }

    /** The calls, by index. */
    List<Partial> calls() {
        return new ArrayList<>(calls.values());
    }
}
