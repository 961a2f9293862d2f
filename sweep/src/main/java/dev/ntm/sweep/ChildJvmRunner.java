package dev.ntm.sweep;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import dev.ntm.engine.io.Json;

/**
 * Runs each job as {@code ntm train} in a child JVM, in the job's run folder, and reads the
 * summary it writes there ({@value #SUMMARY}).
 *
 * <p>A child JVM rather than a thread of the member: a job is then exactly {@code ntm train}
 * (every option, the run folder's lock, periodic checkpoints, {@code --resume}); each run gets
 * a JIT of its own (one JVM that trains several workloads was measured to fall into
 * deoptimisation storms, PERFORMANCE.md "One JVM"); and a job can be stopped cleanly (SIGTERM:
 * the child writes its checkpoint) or for good without touching the member. The child watches
 * its standard input, which this runner holds open and never writes: when the member dies,
 * even by kill -9, the pipe closes and the child halts at once, so no orphan keeps training or
 * holding the run folder's lock.
 *
 * <p>A folder that holds a checkpoint is continued ({@code --resume}): the run then ends with
 * the same bits as one that never stopped. A folder with a finished run's summary is not run
 * again.
 */
public final class ChildJvmRunner implements JobRunner, AutoCloseable {

    /** The summary {@code ntm train --summary-json} writes in the run folder. */
    public static final String SUMMARY = "summary.json";
    /** The child's standard output and error, appended over its attempts. */
    public static final String LOG = "train.log";
    static final String CHECKPOINT = "checkpoint.safetensors";
    static final String LOCK = "run.lock";
    /** How long a job waits for a run folder that another (dying) process still locks. */
    static final long LOCK_WAIT_MILLIS = 60_000;

    private final List<String> command;
    private final Path runsOverride;
    private final Set<Process> children = ConcurrentHashMap.newKeySet();

    /**
     * @param command      the command that runs {@code ntm train}'s arguments in a child JVM
     *                     ({@link #javaCommand(String, String...)})
     * @param runsOverride the folder for run folders on this member, or null for the job's own
     *                     (the sweep's folder: right on its machine or a shared file system)
     */
    public ChildJvmRunner(List<String> command, Path runsOverride) {
        this.command = List.copyOf(command);
        this.runsOverride = runsOverride;
    }

    /**
     * A command that runs {@code mainClass} in a JVM like this one: the same java, JVM flags
     * (less debugger agents) and class path.
     */
    public static List<String> javaCommand(String mainClass, String... leadingArgs) {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (!a.startsWith("-agentlib:jdwp") && !a.startsWith("-Xrunjdwp") && !a.startsWith("-Dsun.java.command")) {
                cmd.add(a);
            }
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(mainClass);
        cmd.addAll(List.of(leadingArgs));
        return cmd;
    }

    /** The run folder of a job on this member. */
    public Path runDir(SweepJob job) {
        return (runsOverride != null ? runsOverride : Path.of(job.runsDir())).resolve(job.id());
    }

    @Override
    public JobResult run(SweepJob job, String member) throws InterruptedException {
        Path dir = runDir(job);
        try {
            Files.createDirectories(dir);
            Path summary = dir.resolve(SUMMARY);
            if (Files.isRegularFile(summary)) {    // finished before, the result never delivered
                return fromSummary(job, member, Files.readString(summary));
            }
            awaitUnlocked(dir);
            List<String> cmd = new ArrayList<>(command);
            cmd.addAll(job.trainArgs());
            if (!job.trainArgs().contains("--threads")) {
                cmd.addAll(List.of("--threads", "1"));   // one job per core: runs on one thread each
            }
            cmd.addAll(List.of("--quiet", "--out", dir.toString(), "--summary-json", summary.toString()));
            Path checkpoint = dir.resolve(CHECKPOINT);
            cmd.addAll(Files.isRegularFile(checkpoint) ? List.of("--resume", checkpoint.toString()) : List.of("--overwrite"));
            Path log = dir.resolve(LOG);
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
            children.add(p);
            int status;
            try {
                status = p.waitFor();
            } catch (InterruptedException e) {
                stop(p);
                throw e;
            } finally {
                children.remove(p);
            }
            if (status == 0 && Files.isRegularFile(summary)) {
                return fromSummary(job, member, Files.readString(summary));
            }
            if (status == 130 || status == 143) {
                throw new InterruptedException("the run was stopped by a signal (" + status + ")");
            }
            return JobResult.failed(job, status == 0 ? 4 : status, member, lastError(log, status));
        } catch (IOException | IllegalArgumentException e) {
            return JobResult.failed(job, 4, member, "could not run it in " + dir + ": " + e.getMessage());
        }
    }

    private static JobResult fromSummary(SweepJob job, String member, String json) {
        Map<String, Object> s = Json.parseObject(json, ChildJvmRunner.SUMMARY);
        Object bits = s.get("bit_errors_per_sequence");
        return new JobResult(job.id(), job.setting(), job.seed(), 0, Boolean.TRUE.equals(s.get("solved")),
                ((Number) s.get("sequences")).longValue(), ((Number) s.get("seconds")).doubleValue(),
                bits instanceof Number n ? n.doubleValue() : Double.NaN, (String) s.get("parameters_sha256"), member,
                s.get("resumed_from") instanceof Number r ? r.longValue() : -1, null,
                s.get("first_solved_sequences") instanceof Number f ? f.longValue() : -1,
                s.get("first_solved_seconds") instanceof Number f ? f.doubleValue() : Double.NaN);
    }

    /** The last line of the log that names an error, or its last line. */
    private static String lastError(Path log, int status) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            String last = "";
            for (String l : lines) {
                if (l.startsWith("ntm")) {
                    last = l;
                } else if (last.isEmpty() && !l.isBlank()) {
                    last = l;
                }
            }
            return "ntm train exited with " + status + (last.isEmpty() ? "" : ": " + last.strip());
        } catch (IOException e) {
            return "ntm train exited with " + status;
        }
    }

    /** Waits while another process (the child of a member that just died) still holds the folder's lock. */
    private static void awaitUnlocked(Path dir) throws IOException, InterruptedException {
        long deadline = System.currentTimeMillis() + LOCK_WAIT_MILLIS;
        while (true) {
            try (FileChannel ch = FileChannel.open(dir.resolve(LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                FileLock lock = null;
                try {
                    lock = ch.tryLock();
                } catch (OverlappingFileLockException e) {
                    // held by this JVM: another attempt of the same job is running here
                }
                if (lock != null) {
                    lock.release();
                    return;
                }
            }
            if (System.currentTimeMillis() > deadline) {
                return;   // ntm train then refuses the folder with a message that names the holder
            }
            Thread.sleep(500);
        }
    }

    private static void stop(Process p) throws InterruptedException {
        p.destroy();   // SIGTERM: ntm train finishes its batch and writes its checkpoint
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
    }

    /** Stops the running children (each writes its checkpoint first). */
    @Override
    public void close() {
        for (Process p : children) {
            p.destroy();
        }
        for (Process p : children) {
            try {
                if (!p.waitFor(30, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }
}
