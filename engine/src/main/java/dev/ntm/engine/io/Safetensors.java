package dev.ntm.engine.io;

import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * Reader and writer of the safetensors format: an 8-byte little-endian unsigned header length,
 * a UTF-8 JSON header
 * {@code {"__metadata__": {"key": "value", ...}, "name": {"dtype": "F32", "shape": [..],
 * "data_offsets": [begin, end]}, ...}}, then the raw little-endian tensor bytes, offsets counted
 * from the start of that data section.
 *
 * <p>Files written here also carry {@value #CRC_KEY} in {@code __metadata__}: the CRC32C of the
 * data section as 8 lowercase hex digits. Writes are atomic: the bytes go to {@code <name>.tmp}
 * in the same directory, are forced to the device, and the file is then renamed over the target,
 * so a crash never leaves a half-written file under the real name.
 *
 * <p>The reader checks the file before trusting a byte of it: the header length against the file
 * size and {@link #MAX_HEADER_BYTES}, the header's UTF-8 and JSON, every dtype, that every
 * shape matches its byte span, that the tensors tile the data section exactly (contiguous, in
 * bounds, no overlap, no gap) and that the file ends where the data does, and then the checksum
 * when there is one. It allocates no more than the file's verified size. Every defect is a
 * {@link FormatException} that names the file and what was wrong.
 */
public final class Safetensors {

    /** Largest header accepted, in bytes. */
    public static final long MAX_HEADER_BYTES = 16L << 20;
    /** The metadata key of the data checksum. */
    public static final String CRC_KEY = "crc32c";
    /** The header key of the metadata map. */
    public static final String METADATA_KEY = "__metadata__";

    private static final ValueLayout.OfFloat LE_F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble LE_F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LE_I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** Bytes moved per I/O call. */
    private static final int CHUNK = 1 << 20;

    /** Element types this implementation reads and writes. */
    public enum DType {
        /** IEEE 754 binary32. */
        F32(4),
        /** IEEE 754 binary64. */
        F64(8),
        /** Two's complement 64-bit integer. */
        I64(8);

        private final int bytes;

        DType(int bytes) {
            this.bytes = bytes;
        }

        /** Size of one element in bytes. */
        public int bytes() {
            return bytes;
        }
    }

    /** A defect in a file's structure or content (as opposed to an I/O failure). */
    public static final class FormatException extends IOException {
        private static final long serialVersionUID = 1L;

        /** A format error with a message that names the file and the defect. */
        public FormatException(String message) {
            super(message);
        }

        /** A format error caused by {@code cause}. */
        public FormatException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** One tensor of a file: bytes {@code [begin, end)} of the data section. */
    public record TensorInfo(String name, DType dtype, long[] shape, long begin, long end) {
        /** Number of elements (1 for a scalar of shape []). */
        public long elements() {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            return n;
        }

        /** The shape as text, for example {@code [8, 120]}. */
        public String shapeText() {
            return Arrays.toString(shape);
        }
    }

    private Safetensors() {
    }

    /** A new, empty writer. */
    public static Writer writer() {
        return new Writer();
    }

    /** Opens, checks and reads {@code path} (see the class comment for the checks). */
    /**
     * The {@code __metadata__} of the safetensors file at {@code path}, from its header alone:
     * cheap, and enough to tell a checkpoint from a trace before replacing a file.
     */
    public static Map<String, String> readMetadata(Path path) throws IOException {
        return Reader.metadataOf(path);
    }

    public static Reader open(Path path) throws IOException {
        return Reader.open(path);
    }

    /** The temporary file a write of {@code target} goes through. */
    public static Path tempFileOf(Path target) {
        Path name = target.getFileName();
        if (name == null) {
            throw new IllegalArgumentException("target " + target + " has no file name");
        }
        return target.resolveSibling(name + ".tmp");
    }

    private static long[] checkedShape(String name, long[] shape) {
        if (shape == null) {
            throw new IllegalArgumentException("tensor '" + name + "': shape must not be null");
        }
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("tensor '" + name + "': shape " + Arrays.toString(shape)
                        + " has a negative dimension");
            }
            if (d != 0 && n > Long.MAX_VALUE / 8 / d) {
                throw new IllegalArgumentException("tensor '" + name + "': shape " + Arrays.toString(shape)
                        + " has too many elements");
            }
            n *= d;
        }
        return shape.clone();
    }

    private static long elements(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    /**
     * Collects tensors and metadata, then writes them atomically with {@link #write(Path)}.
     * Tensors keep references to the caller's arrays or segments until the write; they are
     * written in the order they were added.
     */
    public static final class Writer {
        private record Entry(String name, DType dtype, long[] shape, MemorySegment src, ValueLayout srcLayout,
                             long srcByteOffset, long bytes) {
        }

        private final Map<String, Entry> entries = new LinkedHashMap<>();
        private final Map<String, String> metadata = new LinkedHashMap<>();
        /** Test hook: when >= 0, the write fails with an IOException after this many data bytes. */
        long failAfterBytes = -1;

        private Writer() {
        }

        /** Adds a metadata entry ({@value Safetensors#CRC_KEY} is reserved for the checksum). */
        public Writer metadata(String key, String value) {
            if (key == null || value == null) {
                throw new IllegalArgumentException("metadata keys and values must not be null, got "
                        + key + " = " + value);
            }
            if (key.equals(CRC_KEY)) {
                throw new IllegalArgumentException("metadata key '" + CRC_KEY + "' is reserved for the checksum");
            }
            if (metadata.containsKey(key)) {
                throw new IllegalArgumentException("metadata key '" + key + "' was already added");
            }
            metadata.put(key, value);
            return this;
        }

        /** Adds every entry of {@code map} as metadata. */
        public Writer metadata(Map<String, String> map) {
            for (Map.Entry<String, String> e : map.entrySet()) {
                metadata(e.getKey(), e.getValue());
            }
            return this;
        }

        /** Adds an F32 tensor: {@code prod(shape)} floats of {@code data} from {@code offset}. */
        public Writer addF32(String name, float[] data, int offset, long... shape) {
            return add(name, DType.F32, MemorySegment.ofArray(data), ValueLayout.JAVA_FLOAT_UNALIGNED,
                    offset, data.length, shape);
        }

        /** Adds an F32 tensor from a segment of native-order floats, from float {@code offset}. */
        public Writer addF32(String name, MemorySegment data, long offset, long... shape) {
            return add(name, DType.F32, data, ValueLayout.JAVA_FLOAT_UNALIGNED, offset,
                    data.byteSize() / Float.BYTES, shape);
        }

        /** Adds an F64 tensor: {@code prod(shape)} doubles of {@code data} from {@code offset}. */
        public Writer addF64(String name, double[] data, int offset, long... shape) {
            return add(name, DType.F64, MemorySegment.ofArray(data), ValueLayout.JAVA_DOUBLE_UNALIGNED,
                    offset, data.length, shape);
        }

        /** Adds an I64 tensor: {@code prod(shape)} longs of {@code data} from {@code offset}. */
        public Writer addI64(String name, long[] data, int offset, long... shape) {
            return add(name, DType.I64, MemorySegment.ofArray(data), ValueLayout.JAVA_LONG_UNALIGNED,
                    offset, data.length, shape);
        }

        private Writer add(String name, DType dtype, MemorySegment src, ValueLayout layout, long offset,
                           long available, long[] shape) {
            if (name == null || name.isEmpty() || name.equals(METADATA_KEY)) {
                throw new IllegalArgumentException("tensor name must be non-empty and not " + METADATA_KEY
                        + ", got " + (name == null ? "null" : "'" + name + "'"));
            }
            if (entries.containsKey(name)) {
                throw new IllegalArgumentException("tensor '" + name + "' was already added");
            }
            long[] s = checkedShape(name, shape);
            long n = elements(s);
            if (offset < 0 || offset > available || n > available - offset) {
                throw new IllegalArgumentException("tensor '" + name + "' of shape " + Arrays.toString(s)
                        + " needs " + n + " elements from offset " + offset + ", but the source holds "
                        + available);
            }
            entries.put(name, new Entry(name, dtype, s, src, layout, offset * dtype.bytes(), n * dtype.bytes()));
            return this;
        }

        /**
         * Writes the file atomically: {@code <target>.tmp} is written, forced and renamed over
         * {@code target}. On failure the temporary file is removed and an existing {@code target}
         * is left as it was.
         */
        public void write(Path target) throws IOException {
            Path tmp = tempFileOf(target);
            long dataBytes = 0;
            for (Entry e : entries.values()) {
                dataBytes = Math.addExact(dataBytes, e.bytes);
            }
            byte[] header = header(0);
            try {
                try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                        StandardOpenOption.TRUNCATE_EXISTING)) {
                    ch.position(8 + header.length);
                    int crc = writeData(ch);
                    byte[] finalHeader = header(crc);
                    if (finalHeader.length != header.length) {
                        throw new IllegalStateException("header length changed with the checksum");
                    }
                    ByteBuffer start = ByteBuffer.allocate(8 + header.length).order(ByteOrder.LITTLE_ENDIAN);
                    start.putLong(header.length).put(finalHeader).flip();
                    ch.position(0);
                    writeFully(ch, start);
                    if (ch.size() != 8 + header.length + dataBytes) {
                        throw new IOException("wrote " + ch.size() + " bytes to " + tmp + ", expected "
                                + (8 + header.length + dataBytes));
                    }
                    ch.force(true);
                }
                moveIntoPlace(tmp, target);
            } catch (IOException | RuntimeException | Error e) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
                throw e;
            }
            syncDirectory(target);
        }

        /** The JSON header padded with spaces so that the data section starts 8-byte aligned. */
        private byte[] header(int crc) {
            Map<String, Object> h = new LinkedHashMap<>();
            Map<String, Object> meta = new LinkedHashMap<>(metadata);
            meta.put(CRC_KEY, String.format("%08x", crc));
            h.put(METADATA_KEY, meta);
            long at = 0;
            for (Entry e : entries.values()) {
                Map<String, Object> t = new LinkedHashMap<>();
                t.put("dtype", e.dtype.name());
                List<Object> shape = new ArrayList<>(e.shape.length);
                for (long d : e.shape) {
                    shape.add(d);
                }
                t.put("shape", shape);
                t.put("data_offsets", List.of(at, at + e.bytes));
                at += e.bytes;
                h.put(e.name, t);
            }
            byte[] json = Json.write(h).getBytes(StandardCharsets.UTF_8);
            int padded = (json.length + 7) & -8;
            if (padded > MAX_HEADER_BYTES) {
                throw new IllegalArgumentException("header of " + padded + " bytes exceeds the limit of "
                        + MAX_HEADER_BYTES + "; use fewer tensors or shorter metadata");
            }
            byte[] out = Arrays.copyOf(json, padded);
            Arrays.fill(out, json.length, padded, (byte) ' ');
            return out;
        }

        /** Writes every tensor little-endian at the channel's position; returns the CRC32C. */
        private int writeData(FileChannel ch) throws IOException {
            CRC32C crc = new CRC32C();
            ByteBuffer buf = ByteBuffer.allocateDirect(CHUNK);
            MemorySegment bufSeg = MemorySegment.ofBuffer(buf);
            long written = 0;
            for (Entry e : entries.values()) {
                ValueLayout le = switch (e.dtype) {
                    case F32 -> LE_F32;
                    case F64 -> LE_F64;
                    case I64 -> LE_I64;
                };
                int size = e.dtype.bytes();
                for (long done = 0; done < e.bytes; ) {
                    int n = (int) Math.min(CHUNK, e.bytes - done);
                    MemorySegment.copy(e.src, e.srcLayout, e.srcByteOffset + done, bufSeg, le, 0, n / size);
                    buf.clear().limit(n);
                    crc.update(buf);
                    buf.position(0);
                    if (failAfterBytes >= 0 && written + n > failAfterBytes) {
                        throw new IOException("injected write failure after " + failAfterBytes + " data bytes");
                    }
                    writeFully(ch, buf);
                    written += n;
                    done += n;
                }
            }
            return (int) crc.getValue();
        }

        private static void writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
        }

        private static void moveIntoPlace(Path tmp, Path target) throws IOException {
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("cannot rename " + tmp + " atomically to " + target
                        + " (the file system does not support atomic moves)", e);
            }
        }

        /** Makes the rename durable where the platform allows syncing a directory (Linux does). */
        private static void syncDirectory(Path target) {
            Path dir = target.toAbsolutePath().getParent();
            if (dir == null) {
                return;
            }
            try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
                d.force(true);
            } catch (IOException | UnsupportedOperationException notSupported) {
                // Not every platform can open or sync a directory; the file itself is already forced.
            }
        }
    }

    /**
     * A checked file held in memory: metadata, tensor descriptions and the data section. Close it
     * to free the data (reads after {@link #close()} fail). The data lives in a confined arena:
     * use a reader from the thread that opened it.
     */
    public static final class Reader implements AutoCloseable {
        private final Path path;
        private final Map<String, String> metadata;
        private final Map<String, TensorInfo> tensors;
        private final boolean checksummed;
        private final Arena arena;
        private final MemorySegment data;

        private Reader(Path path, Map<String, String> metadata, Map<String, TensorInfo> tensors,
                       boolean checksummed, Arena arena, MemorySegment data) {
            this.path = path;
            this.metadata = metadata;
            this.tensors = tensors;
            this.checksummed = checksummed;
            this.arena = arena;
            this.data = data;
        }

        /** Reads and parses the JSON header; leaves the channel at the start of the data. */
        private static Map<?, ?> readHeader(FileChannel ch, Path path, long size) throws IOException {
            if (size < 8) {
                throw new FormatException(path + ": file of " + size
                        + " bytes is too short for a safetensors file (8-byte header length, JSON header, data)");
            }
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, path);
            long headerLen = lenBuf.flip().getLong();
            if (headerLen < 2 || headerLen > size - 8) {
                throw new FormatException(path + ": header length " + Long.toUnsignedString(headerLen)
                        + " does not fit the file of " + size + " bytes (expected 2.." + (size - 8)
                        + "); the file is truncated or not a safetensors file");
            }
            if (headerLen > MAX_HEADER_BYTES) {
                throw new FormatException(path + ": header length " + headerLen + " exceeds the limit of "
                        + MAX_HEADER_BYTES + " bytes");
            }
            ByteBuffer headerBuf = ByteBuffer.allocate((int) headerLen);
            readFully(ch, headerBuf, path);
            String headerText;
            try {
                headerText = StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(headerBuf.flip()).toString();
            } catch (CharacterCodingException e) {
                throw new FormatException(path + ": header is not valid UTF-8", e);
            }
            Object parsed;
            try {
                parsed = Json.parse(headerText, 8, (int) MAX_HEADER_BYTES);
            } catch (Json.JsonException e) {
                throw new FormatException(path + ": header is not valid JSON: " + e.getMessage(), e);
            }
            if (!(parsed instanceof Map<?, ?> header)) {
                throw new FormatException(path + ": header must be a JSON object, got " + Json.typeName(parsed));
            }
            return header;
        }

        /**
         * The {@code __metadata__} of a safetensors file, read from its header only (the data is
         * neither read nor checked).
         */
        static Map<String, String> metadataOf(Path path) throws IOException {
            IoErrors.requireReadableFile(path, "a .safetensors file");
            try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
                Map<String, String> metadata = new LinkedHashMap<>();
                Object value = readHeader(ch, path, ch.size()).get(METADATA_KEY);
                if (value != null) {
                    parseMetadata(path, value, metadata);
                }
                return metadata;
            }
        }

        static Reader open(Path path) throws IOException {
            IoErrors.requireReadableFile(path, "a .safetensors file");
            try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
                long size = ch.size();
                Map<?, ?> header = readHeader(ch, path, size);
                long headerLen = ch.position() - 8;
                long dataSize = size - 8 - headerLen;
                Map<String, String> metadata = new LinkedHashMap<>();
                Map<String, TensorInfo> tensors = new LinkedHashMap<>();
                for (Map.Entry<?, ?> e : header.entrySet()) {
                    String key = (String) e.getKey();
                    if (key.equals(METADATA_KEY)) {
                        parseMetadata(path, e.getValue(), metadata);
                    } else {
                        tensors.put(key, parseTensor(path, key, e.getValue()));
                    }
                }
                checkTiling(path, tensors, dataSize);
                String storedCrc = metadata.remove(CRC_KEY);
                if (storedCrc != null && !storedCrc.matches("[0-9a-f]{8}")) {
                    throw new FormatException(path + ": metadata " + CRC_KEY + " must be 8 lowercase hex digits, got '"
                            + storedCrc + "'");
                }
                Arena arena = Arena.ofConfined();
                try {
                    MemorySegment data = arena.allocate(Math.max(1, dataSize), 64).asSlice(0, dataSize);
                    for (long done = 0; done < dataSize; ) {
                        int n = (int) Math.min(CHUNK, dataSize - done);
                        readFully(ch, data.asSlice(done, n).asByteBuffer(), path);
                        done += n;
                    }
                    if (storedCrc != null) {
                        CRC32C crc = new CRC32C();
                        for (long done = 0; done < dataSize; ) {
                            int n = (int) Math.min(CHUNK, dataSize - done);
                            crc.update(data.asSlice(done, n).asByteBuffer());
                            done += n;
                        }
                        String actual = String.format("%08x", (int) crc.getValue());
                        if (!actual.equals(storedCrc)) {
                            throw new FormatException(path + ": data checksum mismatch: " + CRC_KEY + " stored "
                                    + storedCrc + ", computed " + actual + "; the file is corrupt");
                        }
                    }
                    return new Reader(path, Collections.unmodifiableMap(metadata),
                            Collections.unmodifiableMap(tensors), storedCrc != null, arena, data);
                } catch (IOException | RuntimeException | Error e) {
                    arena.close();
                    throw e;
                }
            }
        }

        private static void parseMetadata(Path path, Object value, Map<String, String> out) throws FormatException {
            if (!(value instanceof Map<?, ?> m)) {
                throw new FormatException(path + ": " + METADATA_KEY + " must be an object of strings, got "
                        + Json.typeName(value));
            }
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (!(e.getValue() instanceof String s)) {
                    throw new FormatException(path + ": " + METADATA_KEY + " value of '" + e.getKey()
                            + "' must be a string, got " + Json.typeName(e.getValue()));
                }
                out.put((String) e.getKey(), s);
            }
        }

        private static TensorInfo parseTensor(Path path, String name, Object value) throws FormatException {
            String where = path + ": tensor '" + name + "'";
            if (name.isEmpty()) {
                throw new FormatException(path + ": a tensor has an empty name");
            }
            if (!(value instanceof Map<?, ?> m)) {
                throw new FormatException(where + " must be an object, got " + Json.typeName(value));
            }
            for (Object k : m.keySet()) {
                if (!k.equals("dtype") && !k.equals("shape") && !k.equals("data_offsets")) {
                    throw new FormatException(where + " has unknown field '" + k
                            + "'; expected dtype, shape and data_offsets");
                }
            }
            if (!(m.get("dtype") instanceof String dt)) {
                throw new FormatException(where + ": dtype must be a string, got " + Json.typeName(m.get("dtype")));
            }
            DType dtype;
            try {
                dtype = DType.valueOf(dt);
            } catch (IllegalArgumentException e) {
                throw new FormatException(where + " has unsupported dtype '" + dt + "'; expected one of "
                        + Arrays.toString(DType.values()));
            }
            long[] shape = longList(where + ": shape", m.get("shape"), -1);
            long[] offsets = longList(where + ": data_offsets", m.get("data_offsets"), 2);
            long begin = offsets[0];
            long end = offsets[1];
            if (end < begin) {
                throw new FormatException(where + ": data_offsets [" + begin + ", " + end + "] end before they begin");
            }
            long bytes;
            try {
                long n = 1;
                for (long d : shape) {
                    n = Math.multiplyExact(n, d);
                }
                bytes = Math.multiplyExact(n, dtype.bytes());
            } catch (ArithmeticException e) {
                throw new FormatException(where + ": shape " + Arrays.toString(shape) + " overflows");
            }
            if (bytes != end - begin) {
                throw new FormatException(where + ": shape " + Arrays.toString(shape) + " of " + dtype + " needs "
                        + bytes + " bytes but data_offsets [" + begin + ", " + end + "] span " + (end - begin));
            }
            return new TensorInfo(name, dtype, shape, begin, end);
        }

        /** A list of non-negative integers; {@code length} -1 for any length. */
        private static long[] longList(String what, Object value, int length) throws FormatException {
            if (!(value instanceof List<?> list)) {
                throw new FormatException(what + " must be an array of integers, got " + Json.typeName(value));
            }
            if (length >= 0 && list.size() != length) {
                throw new FormatException(what + " must have " + length + " entries, got " + list.size());
            }
            if (list.size() > 64) {
                throw new FormatException(what + " has " + list.size() + " entries; at most 64 are supported");
            }
            long[] out = new long[list.size()];
            for (int i = 0; i < out.length; i++) {
                if (!(list.get(i) instanceof Long l) || l < 0) {
                    throw new FormatException(what + " must hold non-negative integers, got "
                            + Json.typeName(list.get(i)) + " at index " + i);
                }
                out[i] = l;
            }
            return out;
        }

        /** The tensors must cover [0, dataSize) exactly, one after another. */
        private static void checkTiling(Path path, Map<String, TensorInfo> tensors, long dataSize)
                throws FormatException {
            List<TensorInfo> sorted = new ArrayList<>(tensors.values());
            sorted.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
            long at = 0;
            String previous = null;
            for (TensorInfo t : sorted) {
                if (t.begin() != at) {
                    throw new FormatException(path + ": tensor '" + t.name() + "' starts at data byte " + t.begin()
                            + " but " + (previous == null ? "the data section starts at 0"
                            : "the previous tensor '" + previous + "' ends at " + at)
                            + " (tensors must be contiguous, without gaps or overlap)");
                }
                if (t.end() > dataSize) {
                    throw new FormatException(path + ": tensor '" + t.name() + "' ends at data byte " + t.end()
                            + " beyond the data section of " + dataSize + " bytes; the file is truncated");
                }
                at = t.end();
                previous = t.name();
            }
            if (at != dataSize) {
                throw new FormatException(path + ": the tensors cover " + at + " data bytes but the file holds "
                        + dataSize + " after the header (file size must be 8 + header + data)");
            }
        }

        private static void readFully(FileChannel ch, ByteBuffer buf, Path path) throws IOException {
            while (buf.hasRemaining()) {
                if (ch.read(buf) < 0) {
                    throw new EOFException(path + ": file ended early; it was truncated while being read");
                }
            }
        }

        /** The file this reader read. */
        public Path path() {
            return path;
        }

        /** The {@code __metadata__} entries, without the checksum. */
        public Map<String, String> metadata() {
            return metadata;
        }

        /** Whether the file carried a checksum (it was verified when the file was opened). */
        public boolean checksummed() {
            return checksummed;
        }

        /** The tensors in header order. */
        public List<TensorInfo> tensors() {
            return List.copyOf(tensors.values());
        }

        /** Whether the file holds a tensor named {@code name}. */
        public boolean has(String name) {
            return tensors.containsKey(name);
        }

        /** The tensor named {@code name}; throws {@link IllegalArgumentException} when absent. */
        public TensorInfo info(String name) {
            TensorInfo t = tensors.get(name);
            if (t == null) {
                throw new IllegalArgumentException(path + " has no tensor '" + name + "'");
            }
            return t;
        }

        /** The F32 tensor {@code name} as a new array. */
        public float[] readF32(String name) throws FormatException {
            float[] out = new float[arrayLength(typed(name, DType.F32))];
            readF32(name, out, 0);
            return out;
        }

        /** Copies the F32 tensor {@code name} into {@code dst} from {@code dstOffset}. */
        public void readF32(String name, float[] dst, int dstOffset) throws FormatException {
            TensorInfo t = typed(name, DType.F32);
            int n = arrayLength(t);
            MemorySegment.copy(data, LE_F32, t.begin(), dst, dstOffset, n);
        }

        /** Copies the F32 tensor {@code name} into native-order floats of {@code dst} from float {@code dstOffset}. */
        public void readF32(String name, MemorySegment dst, long dstOffset) throws FormatException {
            TensorInfo t = typed(name, DType.F32);
            MemorySegment.copy(data, LE_F32, t.begin(), dst, ValueLayout.JAVA_FLOAT_UNALIGNED,
                    dstOffset * Float.BYTES, t.elements());
        }

        /** The F64 tensor {@code name} as a new array. */
        public double[] readF64(String name) throws FormatException {
            TensorInfo t = typed(name, DType.F64);
            double[] out = new double[arrayLength(t)];
            MemorySegment.copy(data, LE_F64, t.begin(), out, 0, out.length);
            return out;
        }

        /** The I64 tensor {@code name} as a new array. */
        public long[] readI64(String name) throws FormatException {
            TensorInfo t = typed(name, DType.I64);
            long[] out = new long[arrayLength(t)];
            MemorySegment.copy(data, LE_I64, t.begin(), out, 0, out.length);
            return out;
        }

        private TensorInfo typed(String name, DType dtype) throws FormatException {
            TensorInfo t = info(name);
            if (t.dtype() != dtype) {
                throw new FormatException(path + ": tensor '" + name + "' has dtype " + t.dtype() + ", expected "
                        + dtype);
            }
            return t;
        }

        private int arrayLength(TensorInfo t) throws FormatException {
            if (t.elements() > Integer.MAX_VALUE - 8) {
                throw new FormatException(path + ": tensor '" + t.name() + "' of " + t.elements()
                        + " elements is too large for a Java array");
            }
            return (int) t.elements();
        }

        /** Frees the data section. */
        @Override
        public void close() {
            arena.close();
        }
    }
}
