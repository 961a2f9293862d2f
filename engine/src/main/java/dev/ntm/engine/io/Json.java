package dev.ntm.engine.io;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small, strict JSON (RFC 8259) reader and writer for the engine's files.
 *
 * <p>Values map to Java as follows: object {@code LinkedHashMap<String, Object>} (keys in file
 * order), array {@code List<Object>}, string {@code String}, number {@code Long} when written as
 * an integer that fits a long (no fraction, no exponent, not {@code -0}) and {@code Double}
 * otherwise, {@code true}/{@code false} {@code Boolean}, {@code null} {@code null}.
 *
 * <p>The reader accepts exactly the JSON grammar: no comments, no trailing commas, no leading
 * zeros, no single quotes, no unescaped control characters, no lone surrogates, no duplicate keys,
 * nothing but whitespace after the value. Nesting depth and input length are limited. Errors are
 * {@link JsonException}s that give line, column and offset.
 *
 * <p>The writer escapes {@code "}, {@code \}, control characters and lone surrogates are refused;
 * a {@code Float} is written with {@link Float#toString(float)} and a {@code Double} with
 * {@link Double#toString(double)}, both the shortest decimals that read back to the same value
 * (for a float, read it back with {@link #toFloat(double)}). NaN and infinities are refused.
 */
public final class Json {

    /** Default maximum nesting depth of arrays and objects. */
    public static final int DEFAULT_MAX_DEPTH = 64;
    /** Default maximum input length in chars (16 Mi). */
    public static final int DEFAULT_MAX_LENGTH = 16 << 20;
    /** Longest number token accepted, in chars (ample for any double written in full). */
    private static final int MAX_NUMBER_CHARS = 800;

    /** A malformed JSON text; {@link #offset()} is the char offset where reading stopped. */
    public static final class JsonException extends IllegalArgumentException {
        /** Version of the serial form. */
        private static final long serialVersionUID = 1L;
        private final int offset;

        JsonException(String message, int offset) {
            super(message);
            this.offset = offset;
        }

        /** The char offset (0-based) at which the error was found. */
        public int offset() {
            return offset;
        }
    }

    private Json() {
    }

    /** Parses {@code text} with the default limits. */
    public static Object parse(String text) {
        return parse(text, DEFAULT_MAX_DEPTH, DEFAULT_MAX_LENGTH);
    }

    /** Parses {@code text}: at most {@code maxDepth} nested containers and {@code maxLength} chars. */
    public static Object parse(String text, int maxDepth, int maxLength) {
        if (text == null) {
            throw new IllegalArgumentException("JSON text must not be null");
        }
        if (maxDepth < 1 || maxLength < 1) {
            throw new IllegalArgumentException("JSON limits must be >= 1, got maxDepth " + maxDepth
                    + ", maxLength " + maxLength);
        }
        if (text.length() > maxLength) {
            throw new JsonException("JSON text of " + text.length() + " chars exceeds the limit of "
                    + maxLength + " chars", 0);
        }
        Parser p = new Parser(text, maxDepth);
        p.skipWhitespace();
        Object value = p.value(0);
        p.skipWhitespace();
        if (p.pos < text.length()) {
            throw p.error("expected end of input after the value, found " + p.describeHere());
        }
        return value;
    }

    /**
     * Parses {@code text} and requires an object; {@code what} names the text in the error.
     */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> parseObject(String text, String what) {
        Object v = parse(text);
        if (!(v instanceof Map)) {
            throw new IllegalArgumentException(what + " must be a JSON object, got " + typeName(v));
        }
        return (Map<String, Object>) v;
    }

    /**
     * The float a JSON number stands for. Exact for every float written by {@link #write}, even
     * for the rare decimal whose nearest double lies exactly halfway between two floats (where a
     * plain {@code (float) d} can round to the wrong neighbour).
     */
    public static float toFloat(double d) {
        float f = (float) d;
        if ((double) f == d || Float.isInfinite(f) || Double.isNaN(d)) {
            return f;
        }
        float other = d > f ? Math.nextUp(f) : Math.nextDown(f);
        if (((double) f + (double) other) / 2 == d
                && Double.parseDouble(Float.toString(other)) == d
                && Double.parseDouble(Float.toString(f)) != d) {
            return other;
        }
        return f;
    }

    /** A short name of a value's JSON type, for error messages. */
    public static String typeName(Object v) {
        if (v == null) {
            return "null";
        } else if (v instanceof Map) {
            return "an object";
        } else if (v instanceof List) {
            return "an array";
        } else if (v instanceof String) {
            return "a string";
        } else if (v instanceof Boolean) {
            return "a boolean";
        } else if (v instanceof Number) {
            return "the number " + v;
        }
        return v.getClass().getName();
    }

    /** Writes {@code value} as compact JSON. */
    public static String write(Object value) {
        StringBuilder sb = new StringBuilder();
        write(sb, value, -1, 0, 0);
        return sb.toString();
    }

    /** Writes {@code value} as JSON indented by two spaces per level. */
    public static String writePretty(Object value) {
        StringBuilder sb = new StringBuilder();
        write(sb, value, 2, 0, 0);
        return sb.toString();
    }

    private static void write(StringBuilder sb, Object v, int indent, int level, int depth) {
        if (depth > DEFAULT_MAX_DEPTH) {
            throw new IllegalArgumentException("value nested deeper than " + DEFAULT_MAX_DEPTH
                    + " levels (a cycle?)");
        }
        switch (v) {
            case null -> sb.append("null");
            case String s -> writeString(sb, s);
            case Boolean b -> sb.append(b.booleanValue());
            case Float f -> {
                requireFinite(f, f.isNaN() || f.isInfinite());
                sb.append(Float.toString(f));
            }
            case Double d -> {
                requireFinite(d, d.isNaN() || d.isInfinite());
                sb.append(Double.toString(d));
            }
            case Long l -> sb.append(l.longValue());
            case Integer i -> sb.append(i.intValue());
            case Short s -> sb.append(s.shortValue());
            case Byte b -> sb.append(b.byteValue());
            case Map<?, ?> m -> {
                sb.append('{');
                boolean first = true;
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    if (!(e.getKey() instanceof String key)) {
                        throw new IllegalArgumentException("JSON object keys must be strings, got "
                                + (e.getKey() == null ? "null" : e.getKey().getClass().getName()));
                    }
                    if (!first) {
                        sb.append(',');
                    }
                    first = false;
                    newline(sb, indent, level + 1);
                    writeString(sb, key);
                    sb.append(indent < 0 ? ":" : ": ");
                    write(sb, e.getValue(), indent, level + 1, depth + 1);
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
                    write(sb, list.get(i), indent, level + 1, depth + 1);
                }
                sb.append(']');
            }
            default -> throw new IllegalArgumentException("cannot write a " + v.getClass().getName()
                    + " as JSON; expected Map, List, String, Boolean, Float, Double, Long, Integer, Short, Byte or null");
        }
    }

    private static void requireFinite(Number n, boolean nonFinite) {
        if (nonFinite) {
            throw new IllegalArgumentException("JSON has no representation for " + n + "; write finite numbers only");
        }
    }

    private static void newline(StringBuilder sb, int indent, int level) {
        if (indent >= 0) {
            sb.append('\n');
            sb.repeat(' ', indent * level);
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
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                default -> {
                    if (c < 0x20) {
                        sb.append("\\u00").append(Character.forDigit(c >> 4, 16)).append(Character.forDigit(c & 15, 16));
                    } else if (Character.isHighSurrogate(c) && i + 1 < s.length()
                            && Character.isLowSurrogate(s.charAt(i + 1))) {
                        sb.append(c).append(s.charAt(++i));
                    } else if (Character.isSurrogate(c)) {
                        throw new IllegalArgumentException("string has a lone surrogate U+"
                                + Integer.toHexString(c).toUpperCase() + " at index " + i
                                + "; JSON text must be valid Unicode");
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }

    /** Recursive-descent parser over one text. */
    private static final class Parser {
        private final String s;
        private final int maxDepth;
        private int pos;

        Parser(String s, int maxDepth) {
            this.s = s;
            this.maxDepth = maxDepth;
        }

        Object value(int depth) {
            if (pos >= s.length()) {
                throw error("expected a value, found end of input");
            }
            char c = s.charAt(pos);
            return switch (c) {
                case '{' -> object(depth + 1);
                case '[' -> array(depth + 1);
                case '"' -> string();
                case 't' -> literal("true", Boolean.TRUE);
                case 'f' -> literal("false", Boolean.FALSE);
                case 'n' -> literal("null", null);
                default -> {
                    if (c == '-' || (c >= '0' && c <= '9')) {
                        yield number();
                    }
                    throw error("expected a value (object, array, string, number, true, false or null), found "
                            + describeHere());
                }
            };
        }

        private Map<String, Object> object(int depth) {
            checkDepth(depth);
            pos++; // '{'
            Map<String, Object> map = new LinkedHashMap<>();
            skipWhitespace();
            if (peek() == '}') {
                pos++;
                return map;
            }
            while (true) {
                skipWhitespace();
                if (peek() != '"') {
                    throw error("expected a string key in object, found " + describeHere());
                }
                int keyPos = pos;
                String key = string();
                skipWhitespace();
                if (peek() != ':') {
                    throw error("expected ':' after object key \"" + key + "\", found " + describeHere());
                }
                pos++;
                skipWhitespace();
                Object v = value(depth);
                if (map.containsKey(key)) {
                    pos = keyPos;
                    throw error("duplicate key \"" + key + "\" in object");
                }
                map.put(key, v);
                skipWhitespace();
                char c = peek();
                if (c == ',') {
                    pos++;
                } else if (c == '}') {
                    pos++;
                    return map;
                } else {
                    throw error("expected ',' or '}' in object, found " + describeHere());
                }
            }
        }

        private List<Object> array(int depth) {
            checkDepth(depth);
            pos++; // '['
            List<Object> list = new ArrayList<>();
            skipWhitespace();
            if (peek() == ']') {
                pos++;
                return list;
            }
            while (true) {
                skipWhitespace();
                list.add(value(depth));
                skipWhitespace();
                char c = peek();
                if (c == ',') {
                    pos++;
                } else if (c == ']') {
                    pos++;
                    return list;
                } else {
                    throw error("expected ',' or ']' in array, found " + describeHere());
                }
            }
        }

        private void checkDepth(int depth) {
            if (depth > maxDepth) {
                throw error("nesting deeper than the limit of " + maxDepth + " arrays/objects");
            }
        }

        private String string() {
            pos++; // opening quote
            StringBuilder sb = null;
            int start = pos;
            while (true) {
                if (pos >= s.length()) {
                    throw error("unterminated string (started at offset " + (start - 1) + ")");
                }
                char c = s.charAt(pos);
                if (c == '"') {
                    String out = sb == null ? s.substring(start, pos) : sb.append(s, start, pos).toString();
                    pos++;
                    return out;
                } else if (c == '\\') {
                    if (sb == null) {
                        sb = new StringBuilder();
                    }
                    sb.append(s, start, pos);
                    escape(sb);
                    start = pos;
                } else if (c < 0x20) {
                    throw error("unescaped control character U+" + String.format("%04X", (int) c)
                            + " in string; write it as an escape");
                } else if (Character.isHighSurrogate(c)) {
                    if (pos + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(pos + 1))) {
                        throw error("lone surrogate in string");
                    }
                    pos += 2;
                } else if (Character.isLowSurrogate(c)) {
                    throw error("lone surrogate in string");
                } else {
                    pos++;
                }
            }
        }

        private void escape(StringBuilder sb) {
            pos++; // backslash
            if (pos >= s.length()) {
                throw error("unterminated escape in string");
            }
            char c = s.charAt(pos);
            switch (c) {
                case '"' -> sb.append('"');
                case '\\' -> sb.append('\\');
                case '/' -> sb.append('/');
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                case 't' -> sb.append('\t');
                case 'u' -> {
                    char u = hex4();
                    if (Character.isHighSurrogate(u)) {
                        if (pos + 6 <= s.length() && s.charAt(pos) == '\\' && s.charAt(pos + 1) == 'u') {
                            int at = pos;
                            pos++;
                            char low = hex4();
                            if (!Character.isLowSurrogate(low)) {
                                pos = at;
                                throw error("high surrogate escape not followed by a low surrogate escape");
                            }
                            sb.append(u).append(low);
                            return;
                        }
                        throw error("high surrogate escape not followed by a low surrogate escape");
                    }
                    if (Character.isLowSurrogate(u)) {
                        pos -= 6;
                        throw error("lone low surrogate escape");
                    }
                    sb.append(u);
                    return;
                }
                default -> throw error("invalid escape '\\" + printable(c) + "' in string; expected one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX");
            }
            pos++;
        }

        /** Reads the 4 hex digits after {@code \\u}; on entry pos is at 'u', on exit after the digits. */
        private char hex4() {
            pos++; // 'u'
            if (pos + 4 > s.length()) {
                throw error("truncated \\u escape; expected 4 hex digits");
            }
            int v = 0;
            for (int i = 0; i < 4; i++) {
                char h = s.charAt(pos);
                int d = h >= '0' && h <= '9' ? h - '0'
                        : h >= 'a' && h <= 'f' ? h - 'a' + 10
                        : h >= 'A' && h <= 'F' ? h - 'A' + 10 : -1;
                if (d < 0) {
                    throw error("invalid hex digit '" + printable(s.charAt(pos)) + "' in \\u escape");
                }
                v = v * 16 + d;
                pos++;
            }
            return (char) v;
        }

        private Object number() {
            int start = pos;
            boolean integral = true;
            if (peek() == '-') {
                pos++;
            }
            if (peek() == '0') {
                pos++;
                if (isDigit(peek())) {
                    throw error("leading zero in number");
                }
            } else if (isDigit(peek())) {
                digits();
            } else {
                throw error("expected a digit in number, found " + describeHere());
            }
            if (peek() == '.') {
                integral = false;
                pos++;
                if (!isDigit(peek())) {
                    throw error("expected a digit after the decimal point, found " + describeHere());
                }
                digits();
            }
            if (peek() == 'e' || peek() == 'E') {
                integral = false;
                pos++;
                if (peek() == '+' || peek() == '-') {
                    pos++;
                }
                if (!isDigit(peek())) {
                    throw error("expected a digit in the exponent, found " + describeHere());
                }
                digits();
            }
            if (pos - start > MAX_NUMBER_CHARS) {
                pos = start;
                throw error("number longer than " + MAX_NUMBER_CHARS + " chars");
            }
            String token = s.substring(start, pos);
            if (integral && !token.equals("-0")) {
                try {
                    return Long.parseLong(token);
                } catch (NumberFormatException tooLarge) {
                    return Double.parseDouble(token);
                }
            }
            return Double.parseDouble(token);
        }

        private void digits() {
            while (isDigit(peek())) {
                pos++;
            }
        }

        private static boolean isDigit(char c) {
            return c >= '0' && c <= '9';
        }

        private Object literal(String word, Object value) {
            if (!s.startsWith(word, pos)) {
                throw error("expected '" + word + "', found " + describeHere());
            }
            pos += word.length();
            return value;
        }

        void skipWhitespace() {
            while (pos < s.length()) {
                char c = s.charAt(pos);
                if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
                    pos++;
                } else {
                    return;
                }
            }
        }

        /** The char at pos, or NUL at the end (NUL never starts a valid token here). */
        private char peek() {
            return pos < s.length() ? s.charAt(pos) : '\0';
        }

        String describeHere() {
            if (pos >= s.length()) {
                return "end of input";
            }
            return "'" + printable(s.charAt(pos)) + "'";
        }

        private static String printable(char c) {
            return c < 0x20 || c > 0x7e ? String.format("U+%04X", (int) c) : String.valueOf(c);
        }

        JsonException error(String what) {
            int line = 1;
            int lineStart = 0;
            int end = Math.min(pos, s.length());
            for (int i = 0; i < end; i++) {
                if (s.charAt(i) == '\n') {
                    line++;
                    lineStart = i + 1;
                }
            }
            return new JsonException("JSON error at line " + line + ", column " + (end - lineStart + 1)
                    + " (offset " + end + "): " + what, end);
        }
    }
}
