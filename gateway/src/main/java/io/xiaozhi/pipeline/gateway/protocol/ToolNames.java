package io.xiaozhi.pipeline.gateway.protocol;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The two-way mapping between a device's tool names (with dots, such as
 * {@code self.audio_speaker.set_volume}) and names an LLM API accepts: letters, digits, {@code _}
 * and {@code -}, at most {@value #MAX_LENGTH} characters.
 *
 * <p>Each other character becomes {@code _}. When two device names would get the same name, or a
 * name is too long, each affected name gets a suffix from a hash of its device name, so every device
 * name has exactly one LLM name and the mapping does not depend on the order of the tools.
 */
public final class ToolNames {

    /** The longest name an LLM API accepts. */
    public static final int MAX_LENGTH = 64;

    private static final int HASH_CHARS = 8;

    private final Map<String, String> toLlm;
    private final Map<String, String> toDevice;

    private ToolNames(Map<String, String> toLlm, Map<String, String> toDevice) {
        this.toLlm = Map.copyOf(toLlm);
        this.toDevice = Map.copyOf(toDevice);
    }

    /** The mapping of the device tool names {@code deviceNames}; duplicates count once. */
    public static ToolNames of(Collection<String> deviceNames) {
        TreeSet<String> names = new TreeSet<>(deviceNames);
        Map<String, List<String>> bySanitized = new TreeMap<>();
        for (String name : names) {
            bySanitized.computeIfAbsent(sanitize(name), key -> new ArrayList<>()).add(name);
        }
        Map<String, String> toLlm = new HashMap<>();
        Map<String, String> toDevice = new HashMap<>();
        for (Map.Entry<String, List<String>> group : bySanitized.entrySet()) {
            String plain = group.getKey();
            if (group.getValue().size() == 1 && plain.length() <= MAX_LENGTH) {
                toLlm.put(group.getValue().get(0), plain);
                toDevice.put(plain, group.getValue().get(0));
            }
        }
        for (Map.Entry<String, List<String>> group : bySanitized.entrySet()) {
            for (String deviceName : group.getValue()) {
                if (!toLlm.containsKey(deviceName)) {
                    String llmName = hashed(group.getKey(), deviceName, toDevice);
                    toLlm.put(deviceName, llmName);
                    toDevice.put(llmName, deviceName);
                }
            }
        }
        return new ToolNames(toLlm, toDevice);
    }

    /** The mapping of the tools of {@code tools}. */
    public static ToolNames ofTools(Collection<McpTool> tools) {
        return of(tools.stream().map(McpTool::name).toList());
    }

    /** The LLM name of a device tool, if the device offered it. */
    public Optional<String> toLlm(String deviceName) {
        return Optional.ofNullable(toLlm.get(deviceName));
    }

    /** The device tool of an LLM name, if it is one of this mapping's names. */
    public Optional<String> toDevice(String llmName) {
        return Optional.ofNullable(toDevice.get(llmName));
    }

    /** How many tools are mapped. */
    public int size() {
        return toLlm.size();
    }

    /** The name with every character an LLM API does not accept replaced by {@code _}. */
    static String sanitize(String deviceName) {
        StringBuilder out = new StringBuilder(deviceName.length());
        deviceName.codePoints().forEach(cp -> out.append(isAllowed(cp) ? (char) cp : '_'));
        return out.length() == 0 ? "tool" : out.toString();
    }

    private static boolean isAllowed(int cp) {
        return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9') || cp == '_' || cp == '-';
    }

    /** The plain name cut to fit, with a hash suffix; a further counter in the unlikely case it is taken. */
    private static String hashed(String plain, String deviceName, Map<String, String> taken) {
        String hash = hash(deviceName);
        for (int attempt = 0; ; attempt++) {
            String suffix = "_" + hash + (attempt == 0 ? "" : "_" + attempt);
            String head = plain.length() > MAX_LENGTH - suffix.length() ? plain.substring(0, MAX_LENGTH - suffix.length()) : plain;
            String candidate = head + suffix;
            if (!taken.containsKey(candidate)) {
                return candidate;
            }
        }
    }

    private static String hash(String deviceName) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(deviceName.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest).substring(0, HASH_CHARS);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java platform", e);
        }
    }
}
