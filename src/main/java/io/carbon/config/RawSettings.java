package io.carbon.config;

import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The settings of one source in the order they were written, refusing a key written twice: with two values
 * for one key, whichever "wins" would surprise someone, so both lines are named instead.
 */
final class RawSettings {

    private final Map<String, Setting> byKey = new LinkedHashMap<>();

    void add(Setting setting) throws ConfigException {
        Setting first = byKey.putIfAbsent(setting.key(), setting);
        if (first != null) {
            Origin o = setting.origin();
            String where = first.origin().line() > 0 && o.line() > 0
                    ? "set twice, on lines " + first.origin().line() + " and " + o.line()
                    : "set twice";
            throw o.error(setting.key(), where + ", expected each key once");
        }
    }

    Collection<Setting> all() {
        return Collections.unmodifiableCollection(byKey.values());
    }
}
