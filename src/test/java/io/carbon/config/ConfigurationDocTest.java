package io.carbon.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * docs/configuration.md documents every key of {@link ConfigKeys} once, and only those, with the registry's
 * default. A key added to the registry fails this test until the doc gets a row; a default changed in one
 * place fails it until the other follows.
 *
 * <p>A key row is any row of a Markdown table whose header is {@code | key | type | default | meaning |
 * example |}; other tables (value types, environment variables, errors) are not key tables and are skipped.
 */
class ConfigurationDocTest {

    /** Maven runs tests with the project root as working directory. */
    private static final Path DOC = Path.of("docs", "configuration.md");

    private static final List<String> KEY_TABLE_HEADER = List.of("key", "type", "default", "meaning", "example");

    /** A key cell: one backticked lower-case name, e.g. {@code `keep_alive_timeout`}. */
    private static final Pattern KEY_CELL = Pattern.compile("`([a-z0-9_]+)`");

    /** How the doc writes the empty default ({@code websocket_allowed_origins = ""}): the plain word. */
    private static final String EMPTY_DEFAULT_IN_DOC = "empty";

    /** One key row: the line it is on, the key and the default cell as written. */
    record Row(int line, String key, String documentedDefault) {
    }

    static List<Row> rows;
    static List<String> malformed;

    @BeforeAll
    static void parseDoc() throws IOException {
        rows = new ArrayList<>();
        malformed = new ArrayList<>();
        List<String> lines = Files.readAllLines(DOC);
        boolean inKeyTable = false;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            int lineNo = i + 1;
            if (!line.startsWith("|")) {
                inKeyTable = false;
                continue;
            }
            List<String> cells = cells(line);
            if (cells.stream().allMatch(c -> c.matches(":?-+:?"))) {
                continue; // the |---|---| separator under a header
            }
            if (!inKeyTable) {
                // The first row of a table is its header: only key tables are read.
                inKeyTable = cells.equals(KEY_TABLE_HEADER);
                continue;
            }
            if (cells.size() != KEY_TABLE_HEADER.size()) {
                malformed.add(DOC + ":" + lineNo + ": expected " + KEY_TABLE_HEADER.size() + " cells, got "
                        + cells.size() + ": " + line);
                continue;
            }
            Matcher key = KEY_CELL.matcher(cells.get(0));
            if (!key.matches()) {
                malformed.add(DOC + ":" + lineNo + ": first cell is not one `key`: " + cells.get(0));
                continue;
            }
            rows.add(new Row(lineNo, key.group(1), cells.get(2)));
        }
    }

    /** The cells of a table row; a pipe escaped as {@code \|} stays inside its cell. */
    static List<String> cells(String row) {
        String inner = row.substring(1, row.endsWith("|") && row.length() > 1 ? row.length() - 1 : row.length());
        List<String> cells = new ArrayList<>();
        for (String cell : inner.split("(?<!\\\\)\\|", -1)) {
            cells.add(cell.strip().replace("\\|", "|"));
        }
        return cells;
    }

    /**
     * The default as the registry writes it. Only presentation is undone: backticks around the value, and the
     * plain word {@value #EMPTY_DEFAULT_IN_DOC} for the empty default (an empty cell or {@code ``} would be
     * invisible). Everything else, spacing after commas and units included, must match the registry's text.
     */
    static String normalise(String documented) {
        String text = documented.strip();
        if (text.equals(EMPTY_DEFAULT_IN_DOC)) {
            return "";
        }
        if (text.length() >= 2 && text.startsWith("`") && text.endsWith("`")
                && text.indexOf('`', 1) == text.length() - 1) {
            return text.substring(1, text.length() - 1);
        }
        return text;
    }

    @Test
    void docHasKeyTables() {
        assertThat(malformed).as("malformed key rows in %s", DOC).isEmpty();
        assertThat(rows).as("key rows found in %s (is the table header still %s?)", DOC, KEY_TABLE_HEADER)
                .isNotEmpty();
    }

    @Test
    void everyRegistryKeyHasExactlyOneRow() {
        Map<String, List<Integer>> linesByKey = new LinkedHashMap<>();
        for (Row row : rows) {
            linesByKey.computeIfAbsent(row.key(), k -> new ArrayList<>()).add(row.line());
        }
        List<String> problems = new ArrayList<>();
        for (Key<?> key : ConfigKeys.ALL) {
            List<Integer> at = linesByKey.getOrDefault(key.name(), List.of());
            if (at.isEmpty()) {
                problems.add(key.name() + ": no row in " + DOC + " (registry default \"" + key.defaultValue()
                        + "\")");
            } else if (at.size() > 1) {
                problems.add(key.name() + ": " + at.size() + " rows in " + DOC + ", on lines " + at);
            }
        }
        assertThat(problems).as("registry keys vs rows of %s", DOC).isEmpty();
    }

    @Test
    void everyRowNamesARegistryKey() {
        List<String> problems = new ArrayList<>();
        for (Row row : rows) {
            if (ConfigKeys.find(row.key()).isEmpty()) {
                problems.add(DOC + ":" + row.line() + ": " + row.key() + " is not a key in ConfigKeys (closest: "
                        + ConfigKeys.closest(row.key()) + ")");
            }
        }
        assertThat(problems).as("rows of %s vs registry keys", DOC).isEmpty();
    }

    @Test
    void documentedDefaultsEqualRegistryDefaults() {
        List<String> problems = new ArrayList<>();
        for (Row row : rows) {
            ConfigKeys.find(row.key()).ifPresent(key -> {
                String documented = normalise(row.documentedDefault());
                if (!documented.equals(key.defaultValue())) {
                    problems.add(DOC + ":" + row.line() + ": " + key.name() + ": doc default \"" + documented
                            + "\" (cell: " + row.documentedDefault() + "), registry default \""
                            + key.defaultValue() + "\"");
                }
            });
        }
        assertThat(problems).as("defaults in %s vs ConfigKeys", DOC).isEmpty();
    }
}
