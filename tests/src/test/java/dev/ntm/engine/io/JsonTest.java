package dev.ntm.engine.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.ntm.engine.NtmConfig;
import dev.ntm.engine.util.SplitMix64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The strict JSON reader and writer: round trips, exact numbers, and errors with positions. */
class JsonTest {

    @Test
    void nestedValuesRoundTripExactly() {
        Map<String, Object> inner = new LinkedHashMap<>();
        inner.put("empty", "");
        inner.put("escapes", "quote \" backslash \\ slash / nl \n cr \r tab \t bs \b ff \f ctl \u0001 \u001f");
        inner.put("unicode", "été \u2028 \uD83D\uDE00 中文");
        inner.put("list", new ArrayList<>(Arrays.asList(1L, -1L, Long.MAX_VALUE, Long.MIN_VALUE, 0L, null,
                true, false, new ArrayList<>(), new LinkedHashMap<>())));
        inner.put("doubles", new ArrayList<>(List.of(0.5, -0.0, 1e-300, Double.MIN_VALUE, Double.MAX_VALUE,
                -123.456e78, 0.1, 4.9e-324)));
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("inner", inner);
        root.put("k with spaces and \"quotes\"", List.of(List.of(List.of("deep"))));
        String compact = Json.write(root);
        assertEquals(root, Json.parse(compact));
        assertEquals(root, Json.parse(Json.writePretty(root)));
        // keys keep file order
        assertEquals(List.of("inner", "k with spaces and \"quotes\""),
                new ArrayList<>(((Map<?, ?>) Json.parse(compact)).keySet()));
    }

    @Test
    void controlCharactersAreEscapedNotWrittenRaw() {
        String out = Json.write("a\u0001b\u001fc\nd");
        assertEquals("\"a\\u0001b\\u001fc\\nd\"", out);
        for (char c : out.toCharArray()) {
            assertTrue(c >= 0x20, "raw control character in writer output");
        }
    }

    @Test
    void numberTypes() {
        assertEquals(12L, Json.parse("12"));
        assertEquals(-7L, Json.parse("-7"));
        assertEquals(100.0, Json.parse("1e2"));
        assertEquals(1.5, Json.parse("1.5"));
        assertEquals(-2.5e-3, Json.parse("-2.5E-3"));
        // -0 keeps its sign as a double; beyond the long range the value becomes a double
        assertEquals(Double.doubleToRawLongBits(-0.0), Double.doubleToRawLongBits((Double) Json.parse("-0")));
        assertEquals(9.223372036854775808e18, Json.parse("9223372036854775808"));
        assertInstanceOf(Long.class, Json.parse("-9223372036854775808"));
        assertNull(Json.parse(" null "));
        assertEquals(true, Json.parse("true"));
    }

    /**
     * 7.038531E-26 (bits 0x15ae43fd) is a float whose shortest decimal has a nearest double that
     * lies exactly halfway between two floats, so a plain {@code (float) parseDouble} gives the
     * neighbour 0x15ae43fe. Found by scanning every 7th positive float pattern (one in ~3*10^8).
     */
    @Test
    void floatWhoseDecimalRoundsToAMidpointReadsBackExactly() {
        float f = Float.intBitsToFloat(0x15ae43fd);
        double d = (Double) Json.parse(Json.write(f));
        assertEquals(0x15ae43fe, Float.floatToRawIntBits((float) d), "the trap this test guards against");
        assertEquals(0x15ae43fd, Float.floatToRawIntBits(Json.toFloat(d)));
        NtmConfig c = NtmConfig.builder().clip(f).build();
        assertEquals(c, ConfigJson.fromJson(ConfigJson.toJson(c)));
    }

    /**
     * Every float written through {@code Float} reads back to the same bits. Random bit patterns
     * cover all exponents, subnormals included; exactness is the requirement (no tolerance).
     */
    @Test
    void floatsReadBackBitForBit() {
        SplitMix64 rng = new SplitMix64(42);
        List<Float> samples = new ArrayList<>(List.of(0f, -0f, Float.MIN_VALUE, -Float.MIN_VALUE,
                Float.MIN_NORMAL, Float.intBitsToFloat(0x007fffff), Float.MAX_VALUE, 0.1f, 20f, 1e-7f, 3.4e38f));
        for (int i = 0; i < 200_000; i++) {
            float f = Float.intBitsToFloat((int) rng.nextLong());
            if (Float.isFinite(f)) {
                samples.add(f);
            }
        }
        for (float f : samples) {
            Object back = Json.parse(Json.write(List.of(f)));
            double d = ((Number) ((List<?>) back).get(0)).doubleValue();
            assertEquals(Float.floatToRawIntBits(f), Float.floatToRawIntBits(Json.toFloat(d)),
                    () -> "float " + f + " (bits " + Integer.toHexString(Float.floatToRawIntBits(f)) + ")");
        }
    }

    @Test
    void doublesReadBackBitForBit() {
        SplitMix64 rng = new SplitMix64(7);
        for (int i = 0; i < 100_000; i++) {
            double d = Double.longBitsToDouble(rng.nextLong());
            if (Double.isFinite(d)) {
                Object back = ((List<?>) Json.parse(Json.write(List.of(d)))).get(0);
                assertEquals(Double.doubleToRawLongBits(d), Double.doubleToRawLongBits(((Number) back).doubleValue()),
                        () -> "double " + d);
            }
        }
    }

    /** Malformed inputs, the offset where the error must be reported, and a fragment of the message. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "`{\"a\":1,}`        | 7 | expected a string key",
        "`[1,2,]`            | 5 | expected a value",
        "`{\"a\" 1}`         | 5 | expected ':'",
        "`{\"a\":1 \"b\":2}` | 7 | expected ',' or '}'",
        "`[1 2]`             | 3 | expected ',' or ']'",
        "`01`                | 1 | leading zero",
        "`-`                 | 1 | expected a digit",
        "`1.`                | 2 | after the decimal point",
        "`1e+`               | 3 | exponent",
        "`.5`                | 0 | expected a value",
        "`+1`                | 0 | expected a value",
        "`\"abc`             | 4 | unterminated string",
        "`\"a\\x\"`          | 3 | invalid escape",
        "`\"\\u00G0\"`       | 5 | invalid hex digit",
        "`\"\\ud800\"`       | 7 | high surrogate",
        "`\"\\udc00\"`       | 1 | lone low surrogate",
        "`tru`               | 0 | expected 'true'",
        "`nul`               | 0 | expected 'null'",
        "`NaN`               | 0 | expected a value",
        "`Infinity`          | 0 | expected a value",
        "`'a'`               | 0 | expected a value",
        "`// c`              | 0 | expected a value",
        "`{\"a\":1}x`        | 7 | end of input",
        "`{\"a\":1,\"a\":2}` | 7 | duplicate key",
        "`[`                 | 1 | found end of input",
        "``                  | 0 | found end of input",
        "`{\"a\":[1,{}]`     | 11 | expected ',' or '}'",
    })
    void rejectsMalformedInputWithPosition(String text, int offset, String fragment) {
        Json.JsonException e = assertThrows(Json.JsonException.class, () -> Json.parse(text));
        assertEquals(offset, e.offset(), e.getMessage());
        assertTrue(e.getMessage().contains(fragment), e.getMessage());
        assertTrue(e.getMessage().contains("(offset " + offset + ")"), e.getMessage());
    }

    @Test
    void rawControlCharacterInStringIsRejected() {
        Json.JsonException e = assertThrows(Json.JsonException.class, () -> Json.parse("\"a\tb\""));
        assertEquals(2, e.offset());
        assertTrue(e.getMessage().contains("U+0009"), e.getMessage());
        assertThrows(Json.JsonException.class, () -> Json.parse("\"\uD800x\""));
    }

    @Test
    void errorsGiveLineAndColumn() {
        Json.JsonException e = assertThrows(Json.JsonException.class, () -> Json.parse("{\n  \"a\": 1,\n  \"b\": x\n}"));
        assertTrue(e.getMessage().startsWith("JSON error at line 3, column 8 (offset 19)"), e.getMessage());
    }

    @Test
    void depthAndLengthAreLimited() {
        String ok = "[".repeat(Json.DEFAULT_MAX_DEPTH) + "]".repeat(Json.DEFAULT_MAX_DEPTH);
        Json.parse(ok);
        String deep = "[".repeat(Json.DEFAULT_MAX_DEPTH + 1) + "]".repeat(Json.DEFAULT_MAX_DEPTH + 1);
        Json.JsonException e = assertThrows(Json.JsonException.class, () -> Json.parse(deep));
        assertEquals(Json.DEFAULT_MAX_DEPTH, e.offset());
        assertTrue(e.getMessage().contains("nesting deeper"), e.getMessage());
        // a long run of '[' fails on depth without exhausting the stack
        assertThrows(Json.JsonException.class, () -> Json.parse("[".repeat(100_000)));
        Json.JsonException tooLong = assertThrows(Json.JsonException.class, () -> Json.parse("[1, 2, 3]", 8, 5));
        assertTrue(tooLong.getMessage().contains("exceeds the limit of 5"), tooLong.getMessage());
        assertThrows(Json.JsonException.class, () -> Json.parse("1" + "0".repeat(1000)));
    }

    @Test
    void writerRefusesWhatJsonCannotHold() {
        assertThrows(IllegalArgumentException.class, () -> Json.write(Float.NaN));
        assertThrows(IllegalArgumentException.class, () -> Json.write(Double.POSITIVE_INFINITY));
        assertThrows(IllegalArgumentException.class, () -> Json.write(List.of(Float.NEGATIVE_INFINITY)));
        assertThrows(IllegalArgumentException.class, () -> Json.write("lone \uD800 surrogate"));
        Map<Object, Object> badKey = new HashMap<>();
        badKey.put(1, "x");
        assertThrows(IllegalArgumentException.class, () -> Json.write(badKey));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Json.write(new Object()));
        assertTrue(e.getMessage().contains("cannot write"), e.getMessage());
        List<Object> cycle = new ArrayList<>();
        cycle.add(cycle);
        assertThrows(IllegalArgumentException.class, () -> Json.write(cycle));
    }

    @Test
    void parseObjectRequiresAnObject() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Json.parseObject("[1]", "the thing"));
        assertEquals("the thing must be a JSON object, got an array", e.getMessage());
    }
}
