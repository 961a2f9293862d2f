package dev.ntm.engine.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The safetensors reader and writer: layout, round trips, validation, atomic writes. */
class SafetensorsTest {

    @TempDir
    Path dir;

    private static float[] floats(int n, int seed) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (i + 1) * 0.25f * (seed % 2 == 0 ? 1 : -1) + seed;
        }
        return a;
    }

    @Test
    void writesTheDocumentedLayoutAndReadsItBack() throws IOException {
        Path p = dir.resolve("t.safetensors");
        float[] a = floats(6, 1);
        double[] b = {Math.PI, -0.0, Double.MIN_VALUE};
        long[] c = {Long.MIN_VALUE, -1, 42};
        float[] scalar = {7.5f};
        Safetensors.writer()
                .metadata("note", "héllo \"quoted\"")
                .addF32("a", a, 0, 2, 3)
                .addF64("b", b, 0, 3)
                .addI64("c", c, 0, 3)
                .addF32("scalar", scalar, 0)
                .addF32("empty", new float[0], 0, 0, 5)
                .write(p);

        byte[] bytes = Files.readAllBytes(p);
        long headerLen = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, (8 + headerLen) % 8, "data section starts 8-byte aligned");
        long dataBytes = 6 * 4 + 3 * 8 + 3 * 8 + 4;
        assertEquals(8 + headerLen + dataBytes, bytes.length);
        // the first tensor's bytes are the little-endian floats, right after the header
        ByteBuffer data = ByteBuffer.wrap(bytes, (int) (8 + headerLen), (int) dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : a) {
            assertEquals(Float.floatToRawIntBits(v), Float.floatToRawIntBits(data.getFloat()));
        }
        Map<String, Object> header = Json.parseObject(new String(bytes, 8, (int) headerLen, StandardCharsets.UTF_8).trim(),
                "header");
        assertEquals(List.of(Safetensors.METADATA_KEY, "a", "b", "c", "scalar", "empty"), List.copyOf(header.keySet()));
        assertEquals(Map.of("dtype", "F32", "shape", List.of(2L, 3L), "data_offsets", List.of(0L, 24L)), header.get("a"));
        assertEquals(Map.of("dtype", "F32", "shape", List.of(), "data_offsets", List.of(72L, 76L)), header.get("scalar"));

        try (Safetensors.Reader r = Safetensors.open(p)) {
            assertTrue(r.checksummed());
            assertEquals(Map.of("note", "héllo \"quoted\""), r.metadata());
            assertEquals(List.of("a", "b", "c", "scalar", "empty"), r.tensors().stream().map(Safetensors.TensorInfo::name).toList());
            assertArrayEquals(new long[] {2, 3}, r.info("a").shape());
            assertArrayEquals(a, r.readF32("a"));
            assertArrayEquals(b, r.readF64("b"));
            assertArrayEquals(c, r.readI64("c"));
            assertArrayEquals(scalar, r.readF32("scalar"));
            assertEquals(0, r.readF32("empty").length);
            assertEquals(Double.doubleToRawLongBits(-0.0), Double.doubleToRawLongBits(r.readF64("b")[1]));
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment seg = arena.allocate(10 * Float.BYTES);
                r.readF32("a", seg, 3);
                for (int i = 0; i < 6; i++) {
                    assertEquals(a[i], seg.getAtIndex(ValueLayout.JAVA_FLOAT, 3 + i));
                }
            }
            Safetensors.FormatException e = assertThrows(Safetensors.FormatException.class, () -> r.readF32("b"));
            assertTrue(e.getMessage().contains("has dtype F64, expected F32"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> r.info("nope"));
        }
    }

    @Test
    void writesFromSegmentsAndSubRanges() throws IOException {
        Path p = dir.resolve("seg.safetensors");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate(20 * Float.BYTES);
            for (int i = 0; i < 20; i++) {
                seg.setAtIndex(ValueLayout.JAVA_FLOAT, i, i * 1.5f);
            }
            Safetensors.writer().addF32("mid", seg, 4, 2, 5).addF32("arr", floats(10, 2), 7, 3).write(p);
        }
        try (Safetensors.Reader r = Safetensors.open(p)) {
            float[] mid = r.readF32("mid");
            for (int i = 0; i < 10; i++) {
                assertEquals((4 + i) * 1.5f, mid[i]);
            }
            assertArrayEquals(Arrays.copyOfRange(floats(10, 2), 7, 10), r.readF32("arr"));
        }
    }

    @Test
    void writerRejectsBadArguments() {
        Safetensors.Writer w = Safetensors.writer().addF32("x", new float[4], 0, 4);
        assertThrows(IllegalArgumentException.class, () -> w.addF32("x", new float[4], 0, 4));
        assertThrows(IllegalArgumentException.class, () -> w.addF32("y", new float[4], 1, 4));
        assertThrows(IllegalArgumentException.class, () -> w.addF32("z", new float[4], 0, 2, -2));
        assertThrows(IllegalArgumentException.class, () -> w.addF32("big", new float[4], 0, 1L << 40, 1L << 40));
        assertThrows(IllegalArgumentException.class, () -> w.addF32(Safetensors.METADATA_KEY, new float[1], 0, 1));
        assertThrows(IllegalArgumentException.class, () -> w.addF32("", new float[1], 0, 1));
        assertThrows(IllegalArgumentException.class, () -> w.metadata(Safetensors.CRC_KEY, "0"));
        w.metadata("k", "v");
        assertThrows(IllegalArgumentException.class, () -> w.metadata("k", "w"));
    }

    /** A file as other safetensors writers make it: no checksum, mixed dtypes, padding spaces. */
    @Test
    void readsFilesWithoutChecksum() throws IOException {
        ByteBuffer data = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        data.putFloat(1f).putFloat(-2f).putLong(99);
        String header = "{\"__metadata__\":{\"format\":\"pt\"},\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"n\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[8,16]}}   ";
        Path p = dir.resolve("foreign.safetensors");
        Files.write(p, RawSafetensors.bytes(header, data.array()));
        try (Safetensors.Reader r = Safetensors.open(p)) {
            assertFalse(r.checksummed());
            assertArrayEquals(new float[] {1f, -2f}, r.readF32("w"));
            assertArrayEquals(new long[] {99}, r.readI64("n"));
        }
    }

    private Safetensors.FormatException rejected(byte[] file) throws IOException {
        Path p = dir.resolve("bad.safetensors");
        Files.write(p, file);
        Safetensors.FormatException e = assertThrows(Safetensors.FormatException.class, () -> Safetensors.open(p));
        assertTrue(e.getMessage().startsWith(p.toString()), "message names the file: " + e.getMessage());
        return e;
    }

    private static final byte[] EIGHT = new byte[8];

    /** A header (tensors over 8 data bytes), and a fragment the reader's error must contain. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "`[1, 2]`                                                                 | must be a JSON object",
        "`{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},}`      | not valid JSON: JSON error at line 1, column 55",
        "`{\"a\":{\"dtype\":\"F16\",\"shape\":[4],\"data_offsets\":[0,8]}}`       | unsupported dtype 'F16'",
        "`{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}`       | needs 12 bytes but data_offsets [0, 8] span 8",
        "`{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}`       | end before they begin",
        "`{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}`      | non-negative integers",
        "`{\"a\":{\"dtype\":\"F32\",\"shape\":[2.0],\"data_offsets\":[0,8]}}`     | non-negative integers",
        "`{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0]}}`         | must have 2 entries",
        "`{\"a\":{\"dtype\":\"F32\",\"shape\":2,\"data_offsets\":[0,8]}}`         | must be an array",
        "`{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8],\"x\":1}}` | unknown field 'x'",
        "`{\"a\":[]}`                                                              | must be an object",
        "`{\"__metadata__\":{\"k\":1}}`                                            | value of 'k' must be a string",
        "`{\"__metadata__\":[]}`                                                   | must be an object of strings",
        "`{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}`       | starts at data byte 4 but the data section starts at 0",
        "`{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}`       | cover 4 data bytes but the file holds 8",
        "`{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}`      | beyond the data section of 8 bytes",
        "`{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}` | 'b' starts at data byte 4 but the previous tensor 'a' ends at 8",
        "`{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}` | starts at data byte 0 but the previous tensor",
        "`{\"a\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904,4],\"data_offsets\":[0,8]}}` | overflows",
        "`{\"__metadata__\":{\"crc32c\":\"XYZ\"},\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}` | must be 8 lowercase hex digits",
        "`{\"__metadata__\":{\"crc32c\":\"00000000\"},\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}` | checksum mismatch",
    })
    void rejectsMalformedHeaders(String header, String fragment) throws IOException {
        byte[] data = {1, 2, 3, 4, 5, 6, 7, 8};
        Safetensors.FormatException e = rejected(RawSafetensors.bytes(header, data));
        assertTrue(e.getMessage().contains(fragment), e.getMessage());
    }

    @Test
    void rejectsBadHeaderLengthsAndEncodings() throws IOException {
        Safetensors.FormatException e = rejected(new byte[5]);
        assertTrue(e.getMessage().contains("file of 5 bytes is too short"), e.getMessage());

        byte[] ok = RawSafetensors.bytes("{}", new byte[0]);
        ByteBuffer.wrap(ok).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 1000);
        e = rejected(ok);
        assertTrue(e.getMessage().contains("header length 1000 does not fit the file of 10 bytes"), e.getMessage());

        ByteBuffer.wrap(ok).order(ByteOrder.LITTLE_ENDIAN).putLong(0, -1);
        e = rejected(ok);
        assertTrue(e.getMessage().contains("header length 18446744073709551615"), e.getMessage());

        byte[] big = new byte[(int) Safetensors.MAX_HEADER_BYTES + 16];
        ByteBuffer.wrap(big).order(ByteOrder.LITTLE_ENDIAN).putLong(0, Safetensors.MAX_HEADER_BYTES + 8);
        e = rejected(big);
        assertTrue(e.getMessage().contains("exceeds the limit"), e.getMessage());

        byte[] latin1 = RawSafetensors.bytes("{\"__metadata__\":{\"k\":\"x\"}}", new byte[0]);
        latin1[8 + 22] = (byte) 0xE9; // 'x' replaced by a lone Latin-1 byte
        e = rejected(latin1);
        assertTrue(e.getMessage().contains("not valid UTF-8"), e.getMessage());

        e = rejected(RawSafetensors.bytes("{}", EIGHT));
        assertTrue(e.getMessage().contains("cover 0 data bytes but the file holds 8"), e.getMessage());
    }

    @Test
    void rejectsTruncatedAndExtendedFiles() throws IOException {
        Path good = dir.resolve("good.safetensors");
        Safetensors.writer().addF32("a", floats(100, 3), 0, 10, 10).addF32("b", floats(7, 4), 0, 7).write(good);
        byte[] bytes = Files.readAllBytes(good);

        Safetensors.FormatException e = rejected(Arrays.copyOf(bytes, bytes.length - 1));
        assertTrue(e.getMessage().contains("'b' ends at data byte 428 beyond the data section of 427 bytes"),
                e.getMessage());
        e = rejected(Arrays.copyOf(bytes, 40));
        assertTrue(e.getMessage().contains("does not fit the file of 40 bytes"), e.getMessage());
        e = rejected(Arrays.copyOf(bytes, bytes.length + 4));
        assertTrue(e.getMessage().contains("file size must be 8 + header + data"), e.getMessage());
    }

    @Test
    void everyFlippedDataByteIsCaughtByTheChecksum() throws IOException {
        Path good = dir.resolve("good.safetensors");
        Safetensors.writer().metadata("m", "v").addF32("a", floats(64, 5), 0, 64).write(good);
        byte[] bytes = Files.readAllBytes(good);
        int dataStart = bytes.length - 64 * 4;
        for (int i = dataStart; i < bytes.length; i += 37) {
            for (int bit = 0; bit < 8; bit += 3) {
                byte[] bad = bytes.clone();
                bad[i] ^= (byte) (1 << bit);
                Safetensors.FormatException e = rejected(bad);
                assertTrue(e.getMessage().contains("data checksum mismatch"), e.getMessage());
            }
        }
    }

    @Test
    void atomicWriteLeavesNoTemporaryFile() throws IOException {
        Path p = dir.resolve("x.safetensors");
        // a stale temporary file of an earlier crash is replaced and then renamed away
        Files.writeString(Safetensors.tempFileOf(p), "stale");
        Safetensors.writer().addF32("a", floats(3, 1), 0, 3).write(p);
        Safetensors.writer().addF32("a", floats(5, 2), 0, 5).write(p);
        assertFalse(Files.exists(Safetensors.tempFileOf(p)));
        assertEquals(List.of(p), listDir());
        try (Safetensors.Reader r = Safetensors.open(p)) {
            assertArrayEquals(floats(5, 2), r.readF32("a"));
        }
    }

    /**
     * A write that fails part-way through its data (after 1 MiB and more of an existing file's
     * replacement has been written) leaves the existing file byte for byte as it was, and no
     * temporary file.
     */
    @Test
    void failedWriteKeepsTheExistingFile() throws IOException {
        Path p = dir.resolve("x.safetensors");
        Safetensors.writer().metadata("v", "old").addF32("a", floats(10, 1), 0, 10).write(p);
        byte[] before = Files.readAllBytes(p);

        Safetensors.Writer w = Safetensors.writer().metadata("v", "new").addF32("a", new float[600_000], 0, 600_000);
        w.failAfterBytes = 1_500_000;
        IOException e = assertThrows(IOException.class, () -> w.write(p));
        assertTrue(e.getMessage().contains("injected"), e.getMessage());
        assertArrayEquals(before, Files.readAllBytes(p));
        assertEquals(List.of(p), listDir());
    }

    /** A failure at the rename (the target is a non-empty directory) also cleans up. */
    @Test
    void failedRenameRemovesTheTemporaryFile() throws IOException {
        Path p = dir.resolve("taken");
        Files.createDirectory(p);
        Files.writeString(p.resolve("inside"), "x");
        assertThrows(IOException.class, () -> Safetensors.writer().addF32("a", floats(3, 1), 0, 3).write(p));
        assertFalse(Files.exists(Safetensors.tempFileOf(p)));
        assertEquals("x", Files.readString(p.resolve("inside")));
    }

    private List<Path> listDir() throws IOException {
        try (var s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }
}
