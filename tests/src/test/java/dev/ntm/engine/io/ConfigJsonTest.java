package dev.ntm.engine.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.ntm.engine.NtmConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The configuration JSON: stable names, exact round trips, strict reading. */
class ConfigJsonTest {

    /** Configurations covering every enum value and unusual sizes and clip values. */
    static List<NtmConfig> configs() {
        List<NtmConfig> list = new ArrayList<>();
        float[] clips = {20f, 0.1f, 1e-7f, 3.4e38f, Float.MIN_VALUE, 7.3f};
        int i = 0;
        for (NtmConfig.Controller c : NtmConfig.Controller.values()) {
            for (NtmConfig.MemoryInit m : NtmConfig.MemoryInit.values()) {
                for (NtmConfig.Addressing a : NtmConfig.Addressing.values()) {
                    list.add(NtmConfig.builder().inputSize(3 + i).outputSize(1 + i % 4).memory(16 + i, 4 + i % 3)
                            .readHeads(1 + i % 3).writeHeads(1 + i % 2).shiftRange(i % 4).controller(c)
                            .layers(1 + i % 3).hiddenSize(5 + 7 * i).clip(clips[i % clips.length]).memoryInit(m)
                            .addressing(a).build());
                    i++;
                }
            }
        }
        list.add(NtmConfig.copyTask());
        return list;
    }

    @Test
    void copyConfigurationHasTheDocumentedText() {
        assertEquals("{\"inputSize\":9,\"outputSize\":8,\"memoryRows\":128,\"memoryWidth\":20,\"readHeads\":1,"
                + "\"writeHeads\":1,\"shiftRange\":1,\"controller\":\"lstm\",\"layers\":1,\"hiddenSize\":100,"
                + "\"clip\":20.0,\"memoryInit\":\"constant\",\"addressing\":\"content+location\"}",
                ConfigJson.toJson(NtmConfig.copyTask()));
    }

    @Test
    void everyConfigurationRoundTrips() {
        List<NtmConfig> configs = configs();
        assertEquals(13, configs.size());
        for (NtmConfig c : configs) {
            NtmConfig back = ConfigJson.fromJson(ConfigJson.toJson(c));
            // NtmConfig.equals compares clip by its bits
            assertEquals(c, back, ConfigJson.toJson(c));
            assertEquals(c, ConfigJson.fromJson(ConfigJson.toPrettyJson(c)));
        }
    }

    @Test
    void enumNamesAreStable() {
        String ff = ConfigJson.toJson(NtmConfig.builder().controller(NtmConfig.Controller.FEEDFORWARD)
                .memoryInit(NtmConfig.MemoryInit.RANDOM).addressing(NtmConfig.Addressing.CONTENT).build());
        assertTrue(ff.contains("\"controller\":\"feedforward\""), ff);
        assertTrue(ff.contains("\"memoryInit\":\"random\""), ff);
        assertTrue(ff.contains("\"addressing\":\"content\""), ff);
        String learned = ConfigJson.toJson(NtmConfig.builder().memoryInit(NtmConfig.MemoryInit.LEARNED).build());
        assertTrue(learned.contains("\"memoryInit\":\"learned\""), learned);
    }

    @Test
    void everyMissingFieldIsNamed() {
        String full = ConfigJson.toJson(NtmConfig.copyTask());
        for (String field : ConfigJson.FIELDS) {
            Map<String, Object> m = Json.parseObject(full, "config");
            m.remove(field);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ConfigJson.fromJson(Json.write(m)), field);
            assertTrue(e.getMessage().contains("missing field(s) [" + field + "]"), e.getMessage());
        }
    }

    @Test
    void unknownFieldIsRejected() {
        Map<String, Object> m = Json.parseObject(ConfigJson.toJson(NtmConfig.copyTask()), "config");
        m.put("learningRate", 0.001);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ConfigJson.fromJson(Json.write(m)));
        assertTrue(e.getMessage().contains("unknown field(s) [learningRate]"), e.getMessage());
    }

    /** A field replaced by a raw JSON value, and a fragment the error must contain. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "layers      | 1.0            | layers must be an integer",
        "inputSize   | `\"9\"`        | inputSize must be an integer",
        "inputSize   | 4294967305     | inputSize must fit a 32-bit integer",
        "hiddenSize  | null           | hiddenSize must be an integer",
        "clip        | `\"20\"`       | clip must be a number",
        "controller  | `\"LSTM\"`     | controller must be \"lstm\" or \"feedforward\"",
        "controller  | 1              | controller must be a string",
        "memoryInit  | `\"zero\"`     | memoryInit must be",
        "addressing  | `\"location\"` | addressing must be",
        "memoryRows  | 0              | memoryRows (N) must be in",
        "readHeads   | 65             | readHeads (R) must be in",
        "shiftRange  | 64             | shiftRange (S) must be",
        "clip        | 0              | clip (C) must be",
        "clip        | -1.5           | clip (C) must be",
        "clip        | 1e39           | clip (C) must be",
        "layers      | 17             | layers (L) must be",
    })
    void invalidFieldsAreNamed(String field, String rawValue, String fragment) {
        String full = ConfigJson.toJson(NtmConfig.copyTask());
        String bad = full.replaceFirst("\"" + field + "\":[^,}]+", "\"" + field + "\":" + rawValue.replace("\\", "\\\\"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ConfigJson.fromJson(bad), bad);
        assertTrue(e.getMessage().contains(fragment), e.getMessage());
    }

    @Test
    void syntaxErrorsAndNonObjectsAreRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ConfigJson.fromJson("{\"inputSize\": 9,}"));
        assertTrue(e.getMessage().contains("offset 16"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ConfigJson.fromJson("[9]"));
        assertTrue(e.getMessage().contains("must be a JSON object"), e.getMessage());
    }
}
