package dev.ntm.serve;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

import org.agrona.BufferUtil;
import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.CountersManager;
import org.agrona.concurrent.status.CountersReader;

/**
 * The live counters of a {@link ServeRunner} in Agrona's counters format (a metadata buffer of
 * labels and a values buffer, as Aeron's CnC file holds them), behind a small header, optionally in
 * a memory-mapped file so that another process can read them while the service runs
 * ({@code ntm stat FILE}).
 *
 * <pre>
 * offset  0  int   magic "NTMC"      (written last, so a half-made file is never taken for a whole one)
 *         4  int   layout version (1)
 *         8  int   metadata length, bytes
 *        12  int   values length, bytes
 *        16  long  process id of the writer
 *        24  long  start time, ms since the epoch
 *        32  int   state: 1 running, 2 closed
 *       128        metadata buffer, then values buffer
 * </pre>
 */
public final class CountersFile implements AutoCloseable {

    /** "NTMC" in ASCII. */
    static final int MAGIC = 0x4E544D43;
    static final int VERSION = 1;
    static final int MAGIC_OFFSET = 0;
    static final int VERSION_OFFSET = 4;
    static final int METADATA_LENGTH_OFFSET = 8;
    static final int VALUES_LENGTH_OFFSET = 12;
    static final int PID_OFFSET = 16;
    static final int START_OFFSET = 24;
    static final int STATE_OFFSET = 32;
    /** Header bytes: two cache lines, so the buffers after it start aligned. */
    static final int HEADER_LENGTH = 128;

    /** State: the writer is running. */
    public static final int RUNNING = 1;
    /** State: the writer closed the runner (the values are final). */
    public static final int CLOSED = 2;

    /** Counter type: a count that only grows. */
    public static final int TYPE_COUNT = 1;
    /** Counter type: a level sampled now and then (queue depth, sessions open). */
    public static final int TYPE_GAUGE = 2;
    /** Counter type: the last time the runner thread was alive, ms since the epoch. */
    public static final int TYPE_HEARTBEAT = 3;

    private final Path path;
    private final MappedByteBuffer mapped;
    private final UnsafeBuffer header;
    private final CountersReader reader;

    private CountersFile(Path path, MappedByteBuffer mapped, UnsafeBuffer header, CountersReader reader) {
        this.path = path;
        this.mapped = mapped;
        this.header = header;
        this.reader = reader;
    }

    /** Bytes of metadata per counter (Agrona's fixed record sizes). */
    private static int metadataLength(int counters) {
        return counters * CountersReader.METADATA_LENGTH;
    }

    private static int valuesLength(int counters) {
        return counters * CountersReader.COUNTER_LENGTH;
    }

    /**
     * A new file at {@code path} with room for {@code counters} counters, replacing any file there
     * (a reader of the old one keeps its own mapping), or an in-process buffer when {@code path} is
     * null. The state is {@link #RUNNING}.
     */
    static CountersFile create(Path path, int counters) throws IOException {
        int meta = metadataLength(counters);
        int values = valuesLength(counters);
        int total = HEADER_LENGTH + meta + values;
        MappedByteBuffer mapped = null;
        UnsafeBuffer all;
        if (path == null) {
            all = new UnsafeBuffer(BufferUtil.allocateDirectAligned(total, 64));
        } else {
            Path parent = path.toAbsolutePath().getParent();
            if (parent != null && !Files.isDirectory(parent)) {
                throw new NoSuchFileException(parent.toString(), null, "the counters file's directory does not exist");
            }
            Files.deleteIfExists(path);
            mapped = IoUtil.mapNewFile(path.toFile(), total, true);
            all = new UnsafeBuffer(mapped);
        }
        all.putInt(VERSION_OFFSET, VERSION);
        all.putInt(METADATA_LENGTH_OFFSET, meta);
        all.putInt(VALUES_LENGTH_OFFSET, values);
        all.putLong(PID_OFFSET, ProcessHandle.current().pid());
        all.putLong(START_OFFSET, System.currentTimeMillis());
        all.putInt(STATE_OFFSET, RUNNING);
        all.putIntRelease(MAGIC_OFFSET, MAGIC);
        CountersManager manager = new CountersManager(new UnsafeBuffer(all, HEADER_LENGTH, meta),
                new UnsafeBuffer(all, HEADER_LENGTH + meta, values));
        return new CountersFile(path, mapped, new UnsafeBuffer(all, 0, HEADER_LENGTH), manager);
    }

    /**
     * Maps an existing counters file for reading.
     *
     * @throws IOException when the file is missing, unreadable or not an ntm counters file (the
     *                     message says which)
     */
    public static CountersFile open(Path path) throws IOException {
        if (!Files.isRegularFile(path)) {
            throw new NoSuchFileException(path.toString(), null, "no such counters file");
        }
        long size = Files.size(path);
        if (size < HEADER_LENGTH) {
            throw new FormatException(path + " is not an ntm counters file: " + size + " bytes, the header alone is "
                    + HEADER_LENGTH);
        }
        MappedByteBuffer mapped = IoUtil.mapExistingFile(path.toFile(), "ntm counters");
        try {
            UnsafeBuffer all = new UnsafeBuffer(mapped);
            int magic = all.getIntAcquire(MAGIC_OFFSET);
            if (magic != MAGIC) {
                throw new FormatException(path + " is not an ntm counters file (magic 0x" + Integer.toHexString(magic)
                        + ", expected 0x" + Integer.toHexString(MAGIC) + ")");
            }
            int version = all.getInt(VERSION_OFFSET);
            if (version != VERSION) {
                throw new FormatException(path + " has counters layout version " + version + "; this ntm reads version "
                        + VERSION);
            }
            long meta = all.getInt(METADATA_LENGTH_OFFSET);
            long values = all.getInt(VALUES_LENGTH_OFFSET);
            if (meta < 0 || values < 0 || meta != values / CountersReader.COUNTER_LENGTH * CountersReader.METADATA_LENGTH
                    || HEADER_LENGTH + meta + values != size) {
                throw new FormatException(path + " is damaged: header says " + meta + " + " + values
                        + " bytes of counters, the file holds " + (size - HEADER_LENGTH));
            }
            CountersReader reader = new CountersReader(new UnsafeBuffer(all, HEADER_LENGTH, (int) meta),
                    new UnsafeBuffer(all, HEADER_LENGTH + (int) meta, (int) values));
            return new CountersFile(path, mapped, new UnsafeBuffer(all, 0, HEADER_LENGTH), reader);
        } catch (IOException | RuntimeException e) {
            IoUtil.unmap(mapped);
            throw e;
        }
    }

    /** Where the counters live; null when in this process only. */
    public Path path() {
        return path;
    }

    /** The counters, for reading (Agrona's reader over this file's buffers). */
    public CountersReader reader() {
        return reader;
    }

    /** The writer's counters manager; only for the process that created the file. */
    CountersManager manager() {
        return (CountersManager) reader;
    }

    /** Process id of the writer. */
    public long pid() {
        return header.getLong(PID_OFFSET);
    }

    /** When the writer started, ms since the epoch. */
    public long startMillis() {
        return header.getLong(START_OFFSET);
    }

    /** {@link #RUNNING} or {@link #CLOSED}. */
    public int state() {
        return header.getIntVolatile(STATE_OFFSET);
    }

    /** Marks the counters final: the runner has stopped. */
    void markClosed() {
        header.putIntVolatile(STATE_OFFSET, CLOSED);
    }

    /**
     * Unmaps a file opened for reading. The writer's mapping is left to the garbage collector
     * instead: a client thread may still bump a counter while the runner closes, and a write to an
     * unmapped page would crash the JVM. The file itself stays, with its last values.
     */
    @Override
    public void close() {
        if (mapped != null && !(reader instanceof CountersManager)) {
            IoUtil.unmap((ByteBuffer) mapped);
        }
    }

    /** A file that exists but is not a counters file this version reads. */
    public static final class FormatException extends IOException {
        private static final long serialVersionUID = 1L;

        FormatException(String message) {
            super(message);
        }
    }
}
