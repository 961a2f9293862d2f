package dev.ntm.engine.io;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.ntm.engine.NtmConfig;

/**
 * The model configuration as JSON, as stored in checkpoints and traces (docs/SPEC.md section 6).
 *
 * <p>Field names and values:
 * <pre>
 * {"inputSize": 9, "outputSize": 8, "memoryRows": 128, "memoryWidth": 20, "readHeads": 1,
 *  "writeHeads": 1, "shiftRange": 1, "controller": "lstm", "layers": 1, "hiddenSize": 100,
 *  "clip": 20.0, "memoryInit": "constant", "addressing": "content+location"}
 * </pre>
 * {@code controller} is {@code "lstm"} or {@code "feedforward"}, {@code memoryInit}
 * {@code "constant"}, {@code "learned"} or {@code "random"}, {@code addressing}
 * {@code "content"} or {@code "content+location"}. Sizes are JSON integers; {@code clip} is a
 * number, written so that it reads back to the same float.
 *
 * <p>Reading is strict: every field is required (a missing field never silently takes a
 * default), unknown fields are an error, and the values are validated by {@link NtmConfig}.
 */
public final class ConfigJson {

    /** The field names, in the order they are written. */
    public static final List<String> FIELDS = List.of("inputSize", "outputSize", "memoryRows", "memoryWidth",
            "readHeads", "writeHeads", "shiftRange", "controller", "layers", "hiddenSize", "clip",
            "memoryInit", "addressing");

    private ConfigJson() {
    }

    /** The configuration as compact JSON. */
    public static String toJson(NtmConfig c) {
        return Json.write(toMap(c));
    }

    /** The configuration as JSON indented for people to read. */
    public static String toPrettyJson(NtmConfig c) {
        return Json.writePretty(toMap(c));
    }

    private static Map<String, Object> toMap(NtmConfig c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("inputSize", c.inputSize());
        m.put("outputSize", c.outputSize());
        m.put("memoryRows", c.memoryRows());
        m.put("memoryWidth", c.memoryWidth());
        m.put("readHeads", c.readHeads());
        m.put("writeHeads", c.writeHeads());
        m.put("shiftRange", c.shiftRange());
        m.put("controller", controllerName(c.controller()));
        m.put("layers", c.layers());
        m.put("hiddenSize", c.hiddenSize());
        m.put("clip", c.clip());
        m.put("memoryInit", memoryInitName(c.memoryInit()));
        m.put("addressing", addressingName(c.addressing()));
        return m;
    }

    /**
     * Reads a configuration; throws {@link IllegalArgumentException} naming the field that is
     * missing, unknown, of the wrong type or invalid (or the position of a JSON syntax error).
     */
    public static NtmConfig fromJson(String json) {
        Map<String, Object> m = Json.parseObject(json, "the configuration");
        List<String> unknown = new ArrayList<>();
        for (String k : m.keySet()) {
            if (!FIELDS.contains(k)) {
                unknown.add(k);
            }
        }
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("configuration has unknown field(s) " + unknown
                    + "; the fields are " + FIELDS);
        }
        List<String> missing = new ArrayList<>();
        for (String k : FIELDS) {
            if (!m.containsKey(k)) {
                missing.add(k);
            }
        }
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException("configuration is missing field(s) " + missing
                    + "; every field is required: " + FIELDS);
        }
        NtmConfig.Builder b = NtmConfig.builder()
                .inputSize(intField(m, "inputSize"))
                .outputSize(intField(m, "outputSize"))
                .memory(intField(m, "memoryRows"), intField(m, "memoryWidth"))
                .readHeads(intField(m, "readHeads"))
                .writeHeads(intField(m, "writeHeads"))
                .shiftRange(intField(m, "shiftRange"))
                .controller(controller(stringField(m, "controller")))
                .layers(intField(m, "layers"))
                .hiddenSize(intField(m, "hiddenSize"))
                .clip(floatField(m, "clip"))
                .memoryInit(memoryInit(stringField(m, "memoryInit")))
                .addressing(addressing(stringField(m, "addressing")));
        try {
            return b.build();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid configuration: " + e.getMessage(), e);
        }
    }

    /** The JSON name of a controller kind. */
    public static String controllerName(NtmConfig.Controller c) {
        return switch (c) {
            case LSTM -> "lstm";
            case FEEDFORWARD -> "feedforward";
        };
    }

    /** The JSON name of a memory initialisation mode. */
    public static String memoryInitName(NtmConfig.MemoryInit m) {
        return switch (m) {
            case CONSTANT -> "constant";
            case LEARNED -> "learned";
            case RANDOM -> "random";
        };
    }

    /** The JSON name of an addressing mode. */
    public static String addressingName(NtmConfig.Addressing a) {
        return switch (a) {
            case CONTENT -> "content";
            case CONTENT_LOCATION -> "content+location";
        };
    }

    /** The controller kind named {@code name} ({@code "lstm"} or {@code "feedforward"}). */
    public static NtmConfig.Controller controller(String name) {
        for (NtmConfig.Controller c : NtmConfig.Controller.values()) {
            if (controllerName(c).equals(name)) {
                return c;
            }
        }
        throw new IllegalArgumentException("controller must be \"lstm\" or \"feedforward\", got \"" + name + "\"");
    }

    /** The memory mode named {@code name} ({@code "constant"}, {@code "learned"} or {@code "random"}). */
    public static NtmConfig.MemoryInit memoryInit(String name) {
        for (NtmConfig.MemoryInit m : NtmConfig.MemoryInit.values()) {
            if (memoryInitName(m).equals(name)) {
                return m;
            }
        }
        throw new IllegalArgumentException("memoryInit must be \"constant\", \"learned\" or \"random\", got \""
                + name + "\"");
    }

    /** The addressing mode named {@code name} ({@code "content"} or {@code "content+location"}). */
    public static NtmConfig.Addressing addressing(String name) {
        for (NtmConfig.Addressing a : NtmConfig.Addressing.values()) {
            if (addressingName(a).equals(name)) {
                return a;
            }
        }
        throw new IllegalArgumentException("addressing must be \"content\" or \"content+location\", got \""
                + name + "\"");
    }

    private static int intField(Map<String, Object> m, String name) {
        Object v = m.get(name);
        if (!(v instanceof Long l)) {
            throw new IllegalArgumentException(name + " must be an integer (no fraction or exponent), got "
                    + Json.typeName(v));
        }
        if (l < Integer.MIN_VALUE || l > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(name + " must fit a 32-bit integer, got " + l);
        }
        return (int) (long) l;
    }

    private static float floatField(Map<String, Object> m, String name) {
        Object v = m.get(name);
        if (v instanceof Long l) {
            return (float) (long) l;
        }
        if (v instanceof Double d) {
            return Json.toFloat(d);
        }
        throw new IllegalArgumentException(name + " must be a number, got " + Json.typeName(v));
    }

    private static String stringField(Map<String, Object> m, String name) {
        Object v = m.get(name);
        if (!(v instanceof String s)) {
            throw new IllegalArgumentException(name + " must be a string, got " + Json.typeName(v));
        }
        return s;
    }
}
