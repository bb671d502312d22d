package io.xiaozhi.pipeline.common.config;

import java.io.Reader;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Reads YAML into {@link ConfigNode} trees. SnakeYAML is only asked to compose a node graph: no Java
 * object is ever constructed from a document, so a configuration file cannot instantiate anything.
 * Duplicate keys, explicit non-standard tags and deep or recursive structures are rejected.
 */
public final class YamlReader {

    private static final int MAX_DEPTH = 32;
    private static final int MAX_ALIASES = 50;
    private static final int MAX_BYTES = 1 << 20;

    private YamlReader() {
    }

    /**
     * Parses one document. An empty document is an empty mapping. Problems (malformed YAML with line
     * and column, a root that is not a map, forbidden constructs) go to {@code problems}; the result is
     * then empty.
     */
    public static Optional<ConfigNode.Mapping> read(String source, String text, Consumer<ConfigProblem> problems) {
        return read(source, new StringReader(text), problems);
    }

    public static Optional<ConfigNode.Mapping> read(String source, Reader reader, Consumer<ConfigProblem> problems) {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        options.setAllowRecursiveKeys(false);
        options.setMaxAliasesForCollections(MAX_ALIASES);
        options.setCodePointLimit(MAX_BYTES);
        options.setNestingDepthLimit(MAX_DEPTH);
        Yaml yaml = new Yaml(new SafeConstructor(options));
        Node root;
        try {
            root = yaml.compose(reader);
        } catch (MarkedYAMLException e) {
            Mark mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
            Origin at = mark == null ? Origin.unknown(source) : at(source, mark);
            String what = e.getProblem() != null ? e.getProblem() : e.getMessage();
            if (e.getContext() != null && !e.getContext().isBlank()) {
                what = e.getContext() + ": " + what;
            }
            problems.accept(new ConfigProblem(at, "", null, "malformed YAML: " + oneLine(what)));
            return Optional.empty();
        } catch (YAMLException e) {
            problems.accept(new ConfigProblem(Origin.unknown(source), "", null, "malformed YAML: " + oneLine(e.getMessage())));
            return Optional.empty();
        }
        if (root == null) {
            return Optional.of(new ConfigNode.Mapping(Map.of(), Origin.unknown(source)));
        }
        List<ConfigProblem> found = new ArrayList<>();
        ConfigNode converted = convert(source, root, "", 0, found);
        found.forEach(problems);
        if (!found.isEmpty()) {
            return Optional.empty();
        }
        if (converted instanceof ConfigNode.Scalar s && s.kind() == ConfigNode.ScalarKind.NULL) {
            return Optional.of(new ConfigNode.Mapping(Map.of(), converted.origin()));
        }
        if (!(converted instanceof ConfigNode.Mapping mapping)) {
            problems.accept(new ConfigProblem(converted.origin(), "", null,
                    "the document must be a map of keys (key: value), not " + converted.display()));
            return Optional.empty();
        }
        return Optional.of(mapping);
    }

    private static ConfigNode convert(String source, Node node, String path, int depth, List<ConfigProblem> problems) {
        Origin origin = at(source, node.getStartMark());
        if (depth > MAX_DEPTH) {
            problems.add(new ConfigProblem(origin, path, null, "nested deeper than " + MAX_DEPTH + " levels (or recursive)"));
            return new ConfigNode.Scalar("", ConfigNode.ScalarKind.NULL, origin);
        }
        if (node instanceof ScalarNode scalar) {
            return new ConfigNode.Scalar(scalar.getValue(), kindOf(scalar.getTag(), source, path, origin, problems), origin);
        }
        if (node instanceof SequenceNode sequence) {
            checkTag(sequence.getTag(), Tag.SEQ, path, origin, problems);
            List<ConfigNode> items = new ArrayList<>();
            int i = 0;
            for (Node item : sequence.getValue()) {
                items.add(convert(source, item, path + "[" + i++ + "]", depth + 1, problems));
            }
            return new ConfigNode.Sequence(items, origin);
        }
        MappingNode mapping = (MappingNode) node;
        checkTag(mapping.getTag(), Tag.MAP, path, origin, problems);
        Map<String, ConfigNode> entries = new LinkedHashMap<>();
        Map<String, ConfigNode> merged = new LinkedHashMap<>();
        for (NodeTuple tuple : mapping.getValue()) {
            Node keyNode = tuple.getKeyNode();
            if (Tag.MERGE.equals(keyNode.getTag())) {
                ConfigNode base = convert(source, tuple.getValueNode(), path, depth + 1, problems);
                if (base instanceof ConfigNode.Mapping baseMap) {
                    baseMap.entries().forEach(merged::putIfAbsent);
                } else {
                    problems.add(new ConfigProblem(base.origin(), path, null, "a merge key (<<) must refer to a map"));
                }
                continue;
            }
            if (!(keyNode instanceof ScalarNode keyScalar)) {
                problems.add(new ConfigProblem(at(source, keyNode.getStartMark()), path, null, "keys must be plain text, not a list or a map"));
                continue;
            }
            String key = keyScalar.getValue();
            if (entries.containsKey(key)) {
                problems.add(new ConfigProblem(at(source, keyNode.getStartMark()), path.isEmpty() ? key : path + "." + key, null,
                        "duplicate key: it is already set above in the same map"));
                continue;
            }
            String childPath = path.isEmpty() ? key : path + "." + key;
            entries.put(key, convert(source, tuple.getValueNode(), childPath, depth + 1, problems));
        }
        merged.forEach(entries::putIfAbsent);
        return new ConfigNode.Mapping(entries, origin);
    }

    private static ConfigNode.ScalarKind kindOf(Tag tag, String source, String path, Origin origin, List<ConfigProblem> problems) {
        if (Tag.INT.equals(tag)) {
            return ConfigNode.ScalarKind.INT;
        }
        if (Tag.FLOAT.equals(tag)) {
            return ConfigNode.ScalarKind.FLOAT;
        }
        if (Tag.BOOL.equals(tag)) {
            return ConfigNode.ScalarKind.BOOL;
        }
        if (Tag.NULL.equals(tag)) {
            return ConfigNode.ScalarKind.NULL;
        }
        if (!Tag.STR.equals(tag)) {
            problems.add(new ConfigProblem(origin, path, null, "the YAML tag " + tag.getValue() + " is not allowed in configuration"));
        }
        return ConfigNode.ScalarKind.STRING;
    }

    private static void checkTag(Tag tag, Tag expected, String path, Origin origin, List<ConfigProblem> problems) {
        if (!expected.equals(tag)) {
            problems.add(new ConfigProblem(origin, path, null, "the YAML tag " + tag.getValue() + " is not allowed in configuration"));
        }
    }

    private static Origin at(String source, Mark mark) {
        return Origin.file(source, mark.getLine() + 1, mark.getColumn() + 1);
    }

    private static String oneLine(String text) {
        return text == null ? "unreadable document" : text.replaceAll("\\s*\\n\\s*", " ").trim();
    }
}
