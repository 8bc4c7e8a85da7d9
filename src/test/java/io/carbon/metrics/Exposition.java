package io.carbon.metrics;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A parsed Prometheus text exposition (format 0.0.4), as a test reads it: every sample by metric name and
 * labels (in any order), plus each family's TYPE. Strict about what Carbon writes: a line that is neither a
 * comment nor {@code name[{labels}] value} fails the parse.
 */
final class Exposition {

    private final Map<String, Double> samples = new HashMap<>();
    private final Map<String, String> types = new HashMap<>();
    private final List<String> names = new ArrayList<>();

    private Exposition() {
    }

    static Exposition parse(String text) {
        Exposition parsed = new Exposition();
        for (String line : text.split("\n")) {
            if (line.isEmpty()) {
                continue;
            }
            if (line.startsWith("# TYPE ")) {
                String[] parts = line.substring(7).split(" ");
                parsed.types.put(parts[0], parts[1]);
                continue;
            }
            if (line.startsWith("#")) {
                continue;
            }
            int brace = line.indexOf('{');
            int space = line.lastIndexOf(' ');
            String name;
            Map<String, String> labels = new TreeMap<>();
            if (brace >= 0 && brace < space) {
                name = line.substring(0, brace);
                int close = line.lastIndexOf('}');
                String body = line.substring(brace + 1, close);
                int i = 0;
                while (i < body.length()) {
                    int eq = body.indexOf('=', i);
                    String key = body.substring(i, eq);
                    int start = eq + 2; // after ="
                    StringBuilder value = new StringBuilder();
                    int j = start;
                    while (body.charAt(j) != '"') {
                        if (body.charAt(j) == '\\') {
                            j++;
                        }
                        value.append(body.charAt(j));
                        j++;
                    }
                    labels.put(key, value.toString());
                    i = j + 1;
                    if (i < body.length() && body.charAt(i) == ',') {
                        i++;
                    }
                }
            } else {
                name = line.substring(0, space);
            }
            String raw = line.substring(space + 1);
            double value = switch (raw) {
                case "+Inf" -> Double.POSITIVE_INFINITY;
                case "-Inf" -> Double.NEGATIVE_INFINITY;
                case "NaN" -> Double.NaN;
                default -> Double.parseDouble(raw);
            };
            String key = key(name, labels);
            if (parsed.samples.put(key, value) != null) {
                throw new AssertionError("duplicate sample " + key);
            }
            parsed.names.add(name);
        }
        return parsed;
    }

    private static String key(String name, Map<String, String> labels) {
        return name + labels;
    }

    /** The sample's value, 0 when absent; {@code labels} alternate name and value. */
    double value(String name, String... labels) {
        Map<String, String> map = new TreeMap<>();
        for (int i = 0; i < labels.length; i += 2) {
            map.put(labels[i], labels[i + 1]);
        }
        return samples.getOrDefault(key(name, map), 0.0);
    }

    boolean has(String name, String... labels) {
        Map<String, String> map = new TreeMap<>();
        for (int i = 0; i < labels.length; i += 2) {
            map.put(labels[i], labels[i + 1]);
        }
        return samples.containsKey(key(name, map));
    }

    /** The TYPE line's type of a family, or null. */
    String type(String family) {
        return types.get(family);
    }

    List<String> sampleNames() {
        return names;
    }
}
