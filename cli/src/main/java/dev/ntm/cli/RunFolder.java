package dev.ntm.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.ntm.engine.io.Json;

/**
 * The output folder of {@code ntm train}, guarded: a lock file ({@value #LOCK}) held for the
 * whole run so that a second run in the same folder is refused at once (the operating system
 * drops the lock when the process dies, even by kill -9); a folder that already holds a run is
 * refused unless the run is resumed or {@code --overwrite} was given; and {@value #RUN_JSON}
 * records every command that trained in it.
 */
final class RunFolder implements AutoCloseable {

    static final String LOCK = "run.lock";
    static final String RUN_JSON = "run.json";
    /** The files that make a folder hold a run (and that --overwrite removes). */
    static final List<String> RUN_FILES = List.of("checkpoint.safetensors", "curve.csv", RUN_JSON);

    private final Path dir;
    private final FileChannel lockChannel;
    private final FileLock lock;

    private RunFolder(Path dir, FileChannel lockChannel, FileLock lock) {
        this.dir = dir;
        this.lockChannel = lockChannel;
        this.lock = lock;
    }

    /**
     * Creates and locks {@code dir}.
     *
     * @param continuing whether the run continues the one in this folder (--resume from it)
     * @param overwrite  whether an earlier run in the folder may be replaced (--overwrite)
     * @throws IllegalArgumentException when another run holds the lock, or the folder holds a
     *                                  run and neither flag allows to replace or continue it
     */
    static RunFolder open(Path dir, boolean continuing, boolean overwrite) throws IOException {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new IllegalArgumentException("--out " + dir + " is not a directory");
        }
        Files.createDirectories(dir);
        Path lockFile = dir.resolve(LOCK);
        FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = ch.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        }
        if (lock == null) {
            String holder = new String(Files.readAllBytes(lockFile), StandardCharsets.UTF_8).trim();
            ch.close();
            throw new IllegalArgumentException(dir + " is in use by another training run"
                    + (holder.isEmpty() ? "" : " (" + holder + ")") + "; wait for it to end or choose another --out");
        }
        RunFolder folder = new RunFolder(dir, ch, lock);
        try {
            ch.truncate(0);
            ch.write(ByteBuffer.wrap(("pid " + ProcessHandle.current().pid()).getBytes(StandardCharsets.UTF_8)), 0);
            List<String> present = new ArrayList<>();
            for (String f : RUN_FILES) {
                if (Files.exists(dir.resolve(f))) {
                    present.add(f);
                }
            }
            if (!present.isEmpty() && !continuing) {
                if (!overwrite) {
                    throw new IllegalArgumentException(dir + " already holds a run (" + String.join(", ", present)
                            + "); continue it with --resume " + dir.resolve("checkpoint.safetensors")
                            + ", replace it with --overwrite, or choose another --out");
                }
                for (String f : RUN_FILES) {
                    Files.deleteIfExists(dir.resolve(f));
                }
            }
            return folder;
        } catch (IOException | RuntimeException e) {
            folder.close();
            throw e;
        }
    }

    /** The folder. */
    Path dir() {
        return dir;
    }

    /**
     * Appends this command to {@value #RUN_JSON} ({@code {"runs": [...]}}, one entry per command
     * that trained in the folder), atomically.
     */
    void record(Map<String, Object> entry) throws IOException {
        Path file = dir.resolve(RUN_JSON);
        List<Object> runs = new ArrayList<>();
        if (Files.isRegularFile(file)) {
            try {
                if (Json.parse(Files.readString(file)) instanceof Map<?, ?> m && m.get("runs") instanceof List<?> l) {
                    runs.addAll(l);
                }
            } catch (IllegalArgumentException e) {
                // an unreadable record is replaced by one that starts here
            }
        }
        runs.add(entry);
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("runs", runs);
        Path tmp = dir.resolve(RUN_JSON + ".tmp");
        Files.writeString(tmp, Json.writePretty(root) + System.lineSeparator());
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    @Override
    public void close() throws IOException {
        // the lock file stays: deleting it would let a third run lock a new file while a second waits on the old
        try {
            if (lock.isValid()) {
                lock.release();
            }
        } finally {
            lockChannel.close();
        }
    }
}
