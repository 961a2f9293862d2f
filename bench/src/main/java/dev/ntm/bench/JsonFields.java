package dev.ntm.bench;

import java.util.List;
import java.util.Map;

/** Typed access to the fields of a parsed JSON object, with errors that name the field. */
final class JsonFields {

    private JsonFields() {
    }

    static Object require(Map<String, Object> m, String key, String where) {
        if (!m.containsKey(key)) {
            throw new IllegalArgumentException(where + "." + key + " is missing");
        }
        return m.get(key);
    }

    static String string(Map<String, Object> m, String key, String where) {
        if (require(m, key, where) instanceof String s) {
            return s;
        }
        throw new IllegalArgumentException(where + "." + key + " must be a string, got " + m.get(key));
    }

    static double number(Map<String, Object> m, String key, String where) {
        if (require(m, key, where) instanceof Number n) {
            return n.doubleValue();
        }
        throw new IllegalArgumentException(where + "." + key + " must be a number, got " + m.get(key));
    }

    static int integer(Map<String, Object> m, String key, String where) {
        Object v = require(m, key, where);
        if ((v instanceof Long || v instanceof Integer) && ((Number) v).longValue() == ((Number) v).intValue()) {
            return ((Number) v).intValue();
        }
        throw new IllegalArgumentException(where + "." + key + " must be an integer, got " + m.get(key));
    }

    static boolean bool(Map<String, Object> m, String key, String where) {
        if (require(m, key, where) instanceof Boolean b) {
            return b;
        }
        throw new IllegalArgumentException(where + "." + key + " must be true or false, got " + m.get(key));
    }

    static List<?> list(Map<String, Object> m, String key, String where) {
        if (require(m, key, where) instanceof List<?> l) {
            return l;
        }
        throw new IllegalArgumentException(where + "." + key + " must be an array, got " + m.get(key));
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> object(Object v, String where) {
        if (v instanceof Map<?, ?> m) {
            return (Map<String, Object>) m;
        }
        throw new IllegalArgumentException(where + " must be a JSON object, got " + v);
    }
}
