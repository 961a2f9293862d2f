package dev.ntm.engine.io;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import dev.ntm.engine.util.SplitMix64;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A seeded mutation fuzzer for the file readers: safetensors (as checkpoint, trace and bare
 * metadata) and the configuration JSON. Every input must either load or be refused with an
 * {@link IOException} or {@link IllegalArgumentException}; any other exception or error (a null
 * pointer, an index out of bounds, an arithmetic overflow, an OutOfMemoryError) is a bug.
 *
 * <p>The corpus (tests/src/test/resources/fuzz) is valid files of each kind and a few broken
 * ones; the default suite reads it and a few hundred mutants, the long suite
 * ({@code ./ntm test --long}) tens of thousands. Mutations: bit flips, random bytes, truncation,
 * insertion and deletion, and -- where the parsers branch -- numbers in the JSON header or text
 * replaced by extreme ones. (Jazzer was the first choice; a seeded fuzzer needs no native agent
 * and replays a failure from its seed and index, printed in the message.)
 */
class ReaderFuzzTest {

    private static final List<String> SAFETENSORS = List.of("training-adam", "model", "trace", "truncated-header",
            "empty-header", "huge-header-length");
    private static final List<String> CONFIGS = List.of("copy", "from-checkpoint", "huge", "negative", "deep");
    private static final String[] EXTREME = {"0", "-1", "1e309", "-0", "2147483648", "9223372036854775808",
            "4294967296", "1.5", "NaN", "\"x\"", "null", "[]", "{}"};

    private static final String JSON_CHARS = "{}[],:\"\\0-e";

    @TempDir
    Path tmp;

    @Test
    void theCorpusLoadsOrIsRefusedCleanly() throws IOException {
        for (String name : SAFETENSORS) {
            readSafetensors(corpus("safetensors/" + name + ".safetensors"), name);
        }
        for (String name : CONFIGS) {
            readConfig(new String(corpus("config/" + name + ".json"), StandardCharsets.UTF_8), name);
        }
    }

    @Test
    void mutantsOfTheCorpus() throws IOException {
        fuzz(1, 300);
    }

    @Test
    @Tag("long")
    void manyMutantsOfTheCorpus() throws IOException {
        fuzz(2, 30_000);
    }

    private void fuzz(long seed, int mutants) throws IOException {
        List<byte[]> files = new ArrayList<>();
        for (String name : SAFETENSORS) {
            files.add(corpus("safetensors/" + name + ".safetensors"));
        }
        List<String> configs = new ArrayList<>();
        for (String name : CONFIGS) {
            configs.add(new String(corpus("config/" + name + ".json"), StandardCharsets.UTF_8));
        }
        SplitMix64 rng = new SplitMix64(seed);
        for (int i = 0; i < mutants; i++) {
            String id = "seed " + seed + ", mutant " + i;
            if (rng.nextInt(4) == 0) {
                readConfig(mutateText(configs.get(rng.nextInt(configs.size())), rng), id);
            } else {
                readSafetensors(mutate(files.get(rng.nextInt(files.size())), rng), id);
            }
        }
    }

    private byte[] corpus(String name) throws IOException {
        try (InputStream in = getClass().getResourceAsStream("/fuzz/" + name)) {
            assertFalse(in == null, "corpus file " + name + " is missing");
            return in.readAllBytes();
        }
    }

    private void readSafetensors(byte[] bytes, String id) throws IOException {
        Path f = tmp.resolve("input.safetensors");
        Files.write(f, bytes);
        expectCleanOutcome(id, () -> Checkpoint.load(f));
        expectCleanOutcome(id, () -> TraceFile.read(f));
        expectCleanOutcome(id, () -> Safetensors.readMetadata(f));
    }

    private static void readConfig(String text, String id) {
        expectCleanOutcome(id, () -> ConfigJson.fromJson(text));
    }

    private interface Read {
        Object run() throws Exception;
    }

    private static void expectCleanOutcome(String id, Read read) {
        try {
            read.run();
        } catch (IOException | IllegalArgumentException e) {
            if (e.getMessage() == null || e.getMessage().isBlank()) {
                fail(id + ": refused without a message: " + e);
            }
        } catch (Throwable t) {
            throw new AssertionError(id + ": " + t, t);
        }
    }

    private static byte[] mutate(byte[] src, SplitMix64 rng) {
        byte[] b = src.clone();
        int edits = 1 + rng.nextInt(4);
        for (int e = 0; e < edits; e++) {
            switch (rng.nextInt(6)) {
                case 0 -> {
                    int i = rng.nextInt(b.length);
                    b[i] ^= (byte) (1 << rng.nextInt(8));
                }
                case 1 -> b[rng.nextInt(Math.min(b.length, 16))] = (byte) rng.nextInt(256);
                case 2 -> b = java.util.Arrays.copyOf(b, rng.nextInt(b.length + 1));
                case 3 -> {
                    int at = rng.nextInt(b.length + 1);
                    byte[] c = new byte[b.length + 1];
                    System.arraycopy(b, 0, c, 0, at);
                    c[at] = (byte) rng.nextInt(256);
                    System.arraycopy(b, at, c, at + 1, b.length - at);
                    b = c;
                }
                default -> b = mutateHeader(b, rng);
            }
            if (b.length == 0) {
                return b;
            }
        }
        return b;
    }

    /** Replaces a number in the JSON header by an extreme value, keeping the header length field right. */
    private static byte[] mutateHeader(byte[] b, SplitMix64 rng) {
        if (b.length < 8) {
            return b;
        }
        long len = java.nio.ByteBuffer.wrap(b, 0, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
        if (len < 2 || len > b.length - 8) {
            return b;
        }
        String header = new String(b, 8, (int) len, StandardCharsets.UTF_8);
        String mutated = mutateText(header, rng);
        byte[] h = mutated.getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[8 + h.length + (b.length - 8 - (int) len)];
        java.nio.ByteBuffer.wrap(out, 0, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(h.length);
        System.arraycopy(h, 0, out, 8, h.length);
        System.arraycopy(b, 8 + (int) len, out, 8 + h.length, b.length - 8 - (int) len);
        return out;
    }

    private static String mutateText(String s, SplitMix64 rng) {
        if (s.isEmpty()) {
            return "{";
        }
        List<int[]> numbers = new ArrayList<>();
        for (int i = 0; i < s.length(); ) {
            if (Character.isDigit(s.charAt(i))) {
                int j = i;
                while (j < s.length() && (Character.isDigit(s.charAt(j)) || s.charAt(j) == '.')) {
                    j++;
                }
                numbers.add(new int[] {i, j});
                i = j;
            } else {
                i++;
            }
        }
        switch (rng.nextInt(4)) {
            case 0 -> {
                if (!numbers.isEmpty()) {
                    int[] n = numbers.get(rng.nextInt(numbers.size()));
                    return s.substring(0, n[0]) + EXTREME[rng.nextInt(EXTREME.length)] + s.substring(n[1]);
                }
                return s;
            }
            case 1 -> {
                int i = rng.nextInt(s.length());
                return s.substring(0, i) + s.substring(i + 1);
            }
            case 2 -> {
                int i = rng.nextInt(s.length());
                return s.substring(0, i) + JSON_CHARS.charAt(rng.nextInt(JSON_CHARS.length())) + s.substring(i);
            }
            default -> {
                int i = rng.nextInt(s.length());
                int j = i + rng.nextInt(s.length() - i + 1);
                return s.substring(0, i) + s.substring(j);
            }
        }
    }
}
