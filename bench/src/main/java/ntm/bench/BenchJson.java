package ntm.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import ntm.engine.NtmConfig;

/**
 * Minimal JSON for benchmark reports until the engine's {@code ntm.engine.io.Json} is available:
 * objects map to {@code LinkedHashMap<String, Object>}, arrays to {@code List<Object>}, numbers to
 * {@code Long} (integers) or {@code Double}, plus {@code String}, {@code Boolean} and null.
 */
final class BenchJson {

    private BenchJson() {
    }

    /** The configuration as compact JSON, in the field order and names of the engine's ConfigJson. */
    static String configJson(NtmConfig c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("inputSize", c.inputSize());
        m.put("outputSize", c.outputSize());
        m.put("memoryRows", c.memoryRows());
        m.put("memoryWidth", c.memoryWidth());
        m.put("readHeads", c.readHeads());
        m.put("writeHeads", c.writeHeads());
        m.put("shiftRange", c.shiftRange());
        m.put("controller", c.controller() == NtmConfig.Controller.LSTM ? "lstm" : "feedforward");
        m.put("layers", c.layers());
        m.put("hiddenSize", c.hiddenSize());
        m.put("clip", c.clip());
        m.put("memoryInit", c.memoryInit().name().toLowerCase(Locale.ROOT));
        m.put("addressing", c.addressing() == NtmConfig.Addressing.CONTENT ? "content" : "content+location");
        return write(m, -1);
    }

    /** Writes a value indented by two spaces per level ({@code indent < 0}: compact). */
    static String write(Object value, int indent) {
        StringBuilder sb = new StringBuilder();
        write(sb, value, indent, 0);
        return sb.toString();
    }

    private static void write(StringBuilder sb, Object v, int indent, int level) {
        switch (v) {
            case null -> sb.append("null");
            case String s -> writeString(sb, s);
            case Boolean b -> sb.append(b.booleanValue());
            case Float f -> sb.append(finite(f.doubleValue()) ? Float.toString(f) : fail(f));
            case Double d -> sb.append(finite(d) ? Double.toString(d) : fail(d));
            case Long l -> sb.append(l.longValue());
            case Integer i -> sb.append(i.intValue());
            case Map<?, ?> m -> {
                sb.append('{');
                boolean first = true;
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    if (!first) {
                        sb.append(',');
                    }
                    first = false;
                    newline(sb, indent, level + 1);
                    writeString(sb, (String) e.getKey());
                    sb.append(indent < 0 ? ":" : ": ");
                    write(sb, e.getValue(), indent, level + 1);
                }
                if (!first) {
                    newline(sb, indent, level);
                }
                sb.append('}');
            }
            case List<?> list -> {
                sb.append('[');
                for (int i = 0; i < list.size(); i++) {
                    if (i > 0) {
                        sb.append(indent < 0 ? "," : ", ");
                    }
                    write(sb, list.get(i), indent, level + 1);
                }
                sb.append(']');
            }
            default -> throw new IllegalArgumentException("cannot write a " + v.getClass().getName() + " as JSON");
        }
    }

    private static boolean finite(double d) {
        return !Double.isNaN(d) && !Double.isInfinite(d);
    }

    private static String fail(Number n) {
        throw new IllegalArgumentException("JSON has no representation for " + n);
    }

    private static void newline(StringBuilder sb, int indent, int level) {
        if (indent >= 0) {
            sb.append('\n').repeat(' ', indent * level);
        }
    }

    private static void writeString(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\t' -> sb.append("\\t");
                case '\r' -> sb.append("\\r");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }

    /** Parses a JSON text; throws {@link IllegalArgumentException} giving the offset of an error. */
    static Object parse(String text) {
        Parser p = new Parser(text);
        Object v = p.value();
        p.skipSpace();
        if (p.pos != text.length()) {
            throw p.error("unexpected text after the value");
        }
        return v;
    }

    private static final class Parser {
        private final String s;
        private int pos;

        Parser(String s) {
            this.s = s;
        }

        IllegalArgumentException error(String what) {
            return new IllegalArgumentException("malformed JSON at offset " + pos + ": " + what);
        }

        void skipSpace() {
            while (pos < s.length() && " \t\r\n".indexOf(s.charAt(pos)) >= 0) {
                pos++;
            }
        }

        void expect(char c) {
            skipSpace();
            if (pos >= s.length() || s.charAt(pos) != c) {
                throw error("expected '" + c + "'");
            }
            pos++;
        }

        Object value() {
            skipSpace();
            if (pos >= s.length()) {
                throw error("unexpected end of text");
            }
            char c = s.charAt(pos);
            switch (c) {
                case '{' -> {
                    pos++;
                    Map<String, Object> m = new LinkedHashMap<>();
                    skipSpace();
                    if (pos < s.length() && s.charAt(pos) == '}') {
                        pos++;
                        return m;
                    }
                    do {
                        skipSpace();
                        String key = string();
                        expect(':');
                        if (m.put(key, value()) != null) {
                            throw error("duplicate key \"" + key + "\"");
                        }
                        skipSpace();
                    } while (pos < s.length() && s.charAt(pos) == ',' && ++pos > 0);
                    expect('}');
                    return m;
                }
                case '[' -> {
                    pos++;
                    List<Object> list = new ArrayList<>();
                    skipSpace();
                    if (pos < s.length() && s.charAt(pos) == ']') {
                        pos++;
                        return list;
                    }
                    do {
                        list.add(value());
                        skipSpace();
                    } while (pos < s.length() && s.charAt(pos) == ',' && ++pos > 0);
                    expect(']');
                    return list;
                }
                case '"' -> {
                    return string();
                }
                default -> {
                    for (String word : new String[] {"true", "false", "null"}) {
                        if (s.startsWith(word, pos)) {
                            pos += word.length();
                            return word.equals("null") ? null : Boolean.valueOf(word);
                        }
                    }
                    return number();
                }
            }
        }

        String string() {
            if (pos >= s.length() || s.charAt(pos) != '"') {
                throw error("expected a string");
            }
            pos++;
            StringBuilder sb = new StringBuilder();
            while (pos < s.length()) {
                char c = s.charAt(pos++);
                if (c == '"') {
                    return sb.toString();
                }
                if (c != '\\') {
                    sb.append(c);
                    continue;
                }
                if (pos >= s.length()) {
                    break;
                }
                char e = s.charAt(pos++);
                switch (e) {
                    case 'n' -> sb.append('\n');
                    case 't' -> sb.append('\t');
                    case 'r' -> sb.append('\r');
                    case 'b' -> sb.append('\b');
                    case 'f' -> sb.append('\f');
                    case 'u' -> {
                        if (pos + 4 > s.length()) {
                            throw error("short \\u escape");
                        }
                        sb.append((char) Integer.parseInt(s.substring(pos, pos + 4), 16));
                        pos += 4;
                    }
                    default -> sb.append(e);
                }
            }
            throw error("unterminated string");
        }

        Object number() {
            int start = pos;
            while (pos < s.length() && "+-0123456789.eE".indexOf(s.charAt(pos)) >= 0) {
                pos++;
            }
            String t = s.substring(start, pos);
            if (t.isEmpty()) {
                throw error("expected a value");
            }
            try {
                if (t.indexOf('.') < 0 && t.indexOf('e') < 0 && t.indexOf('E') < 0) {
                    return Long.parseLong(t);
                }
                return Double.parseDouble(t);
            } catch (NumberFormatException ex) {
                pos = start;
                throw error("bad number '" + t + "'");
            }
        }
    }
}
