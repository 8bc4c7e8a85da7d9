package io.carbon.config;

import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
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
import org.yaml.snakeyaml.reader.UnicodeReader;

/**
 * Parses server.yaml: a flat mapping of the same keys as server.conf, with scalar values ({@code index_files}
 * may also be a list). The file is only composed into nodes, never constructed into Java objects, and every
 * explicit tag other than the standard scalar ones is refused, so a tag such as
 * {@code !!javax.script.ScriptEngineManager} can never instantiate anything. Nodes carry marks, which gives
 * each error its line.
 */
final class YamlFileParser {

    /** Tags a value may carry: what the YAML core schema resolves plain scalars to. */
    private static final Set<Tag> SCALAR_TAGS = Set.of(Tag.STR, Tag.INT, Tag.BOOL, Tag.FLOAT, Tag.NULL);

    private YamlFileParser() {
    }

    static RawSettings parse(Path file, byte[] bytes) throws ConfigException {
        Node root;
        try {
            // SafeConstructor as a second line of defence: compose() does not construct, but nothing here should
            // ever be one call away from the unsafe default constructor.
            Yaml yaml = new Yaml(new SafeConstructor(new LoaderOptions()));
            root = yaml.compose(new UnicodeReader(new ByteArrayInputStream(bytes)));
        } catch (MarkedYAMLException e) {
            Mark mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
            throw new ConfigException(file, line(mark), null, "invalid YAML: " + e.getProblem()
                    + ", expected a flat mapping of key: value");
        } catch (YAMLException e) {
            throw new ConfigException(file, 0, null, "invalid YAML: " + e.getMessage());
        }
        RawSettings settings = new RawSettings();
        if (root == null) {
            return settings; // an empty document: every key takes its default
        }
        if (!(root instanceof MappingNode mapping) || !root.getTag().equals(Tag.MAP)) {
            throw new ConfigException(file, line(root.getStartMark()), null,
                    "the top level is not a mapping, expected a flat mapping of key: value");
        }
        for (NodeTuple tuple : mapping.getValue()) {
            Node keyNode = tuple.getKeyNode();
            if (!(keyNode instanceof ScalarNode scalarKey) || !SCALAR_TAGS.contains(keyNode.getTag())) {
                throw new ConfigException(file, line(keyNode.getStartMark()), null,
                        "a key is not a plain scalar, expected a flat mapping of key: value");
            }
            String key = scalarKey.getValue().strip().toLowerCase(Locale.ROOT);
            Origin origin = Origin.at(file, line(keyNode.getStartMark()));
            settings.add(new Setting(key, value(file, key, tuple.getValueNode()), origin));
        }
        return settings;
    }

    private static String value(Path file, String key, Node node) throws ConfigException {
        int line = line(node.getStartMark());
        if (node instanceof ScalarNode scalar && SCALAR_TAGS.contains(node.getTag())) {
            // "key:", "key: ~" and "key: null" all mean an empty value, as "key =" does in server.conf.
            return node.getTag().equals(Tag.NULL) ? "" : scalar.getValue().strip();
        }
        if (node instanceof SequenceNode sequence && node.getTag().equals(Tag.SEQ)
                && key.equals(ConfigKeys.INDEX_FILES.name())) {
            List<String> items = new ArrayList<>();
            for (Node item : sequence.getValue()) {
                if (!(item instanceof ScalarNode scalar) || !SCALAR_TAGS.contains(item.getTag())) {
                    throw new ConfigException(file, line(item.getStartMark()), key,
                            "a list item is not a plain value, expected a list of file names");
                }
                String name = scalar.getValue().strip();
                if (name.contains(",") || name.chars().anyMatch(Character::isWhitespace)) {
                    throw new ConfigException(file, line(item.getStartMark()), key,
                            "file name " + Quoting.show(name) + " contains a comma or whitespace,"
                                    + " expected plain file names");
                }
                items.add(name);
            }
            return String.join(",", items);
        }
        if (!isStandard(node.getTag())) {
            throw new ConfigException(file, line, key, "unsupported YAML tag " + node.getTag()
                    + ", expected a plain value without a tag");
        }
        if (node instanceof MappingNode) {
            throw new ConfigException(file, line, key,
                    "nested mappings are not supported, expected a plain value (the file is a flat key: value mapping)");
        }
        throw new ConfigException(file, line, key, "a list is only allowed for index_files, expected a plain value");
    }

    private static boolean isStandard(Tag tag) {
        return SCALAR_TAGS.contains(tag) || tag.equals(Tag.SEQ) || tag.equals(Tag.MAP);
    }

    private static int line(Mark mark) {
        return mark == null ? 0 : mark.getLine() + 1;
    }
}
