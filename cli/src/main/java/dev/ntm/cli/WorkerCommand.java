package dev.ntm.cli;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

import dev.ntm.sweep.ChildJvmRunner;
import dev.ntm.sweep.JobResult;
import dev.ntm.sweep.JobRunner;
import dev.ntm.sweep.MemberSettings;
import dev.ntm.sweep.SweepMember;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code ntm worker}: joins a sweep's cluster and runs its jobs until stopped. */
@Command(name = "worker", mixinStandardHelpOptions = true,
        description = {"Join the cluster of an ntm sweep and run its jobs (each an ntm train in a child JVM) until "
                + "stopped with Ctrl-C or SIGTERM; the running jobs then write their checkpoints and go back to the "
                + "sweep's queue.", "The sweep prints the command to start a worker with (README.md, \"Sweeps\")."},
        exitCodeListHeading = "Exit status:%n",
        exitCodeList = {"2:bad option or value, or the cluster could not be joined", "130:stopped by Ctrl-C (SIGINT)",
                "143:stopped by SIGTERM"})
final class WorkerCommand implements Callable<Integer> {

    @Mixin
    ClusterOptions cluster;

    @Option(names = "--cluster", description = "The sweep's cluster name (the sweep prints it).")
    String clusterName;

    @Option(names = "--runs", description = "Folder for this worker's run folders (default: the sweep's own folder, "
            + "which is right on the sweep's machine or a shared file system: a job moved from a dead member then "
            + "continues from its last checkpoint).")
    Path runs;

    @Override
    public Integer call() throws Exception {
        if (cluster.join.isEmpty()) {
            throw new IllegalArgumentException("--join HOST[:PORT] is required: the address of the sweep's member "
                    + "(it prints the worker command)");
        }
        if (clusterName == null) {
            throw new IllegalArgumentException("--cluster NAME is required: the sweep's cluster name (it prints the "
                    + "worker command)");
        }
        if (cluster.jobs < 1) {
            throw new IllegalArgumentException("--jobs must be at least 1 for a worker, got " + cluster.jobs);
        }
        boolean remote = cluster.join.stream().noneMatch(j -> j.startsWith("127.") || j.startsWith("localhost"));
        if (remote && cluster.bind.equals(MemberSettings.LOOPBACK)) {
            throw new IllegalArgumentException("--bind: give this machine's IP address that " + cluster.join.getFirst()
                    + " can reach (127.0.0.1 is reachable from this machine only)");
        }
        MemberSettings settings = cluster.settings(clusterName);
        ChildJvmRunner children = new ChildJvmRunner(ChildJvmRunner.javaCommand(SweepJobMain.class.getName()),
                runs == null ? null : runs.toAbsolutePath());
        SweepMember member = SweepCommand.startMember(settings, new LoggingRunner(children));
        CountDownLatch forever = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(member::close, "ntm-worker-shutdown"));
        if (member.hazelcast().getCluster().getMembers().size() < 2) {
            System.out.println("worker: no other member answered yet at " + String.join(",", cluster.join)
                    + " (cluster " + clusterName + "); waiting for it");
        }
        System.out.printf(Locale.ROOT, "worker: member %s of cluster %s (%d members), runs %d job(s) at once; "
                + "Ctrl-C to leave%n", member.address(), clusterName, member.hazelcast().getCluster().getMembers().size(),
                cluster.jobs);
        forever.await();
        return ExitCodes.OK;
    }

    /** Prints a line as each job starts and ends, and runs it with the child runner. */
    private record LoggingRunner(ChildJvmRunner children) implements JobRunner, AutoCloseable {
        @Override
        public JobResult run(dev.ntm.sweep.SweepJob job, String member) throws InterruptedException {
            System.out.println("worker: " + job.id() + " started in " + children.runDir(job));
            JobResult r = children.run(job, member);
            System.out.println("worker: " + job.id() + (r.finished()
                    ? String.format(Locale.ROOT, " done: %s after %,d sequences", r.solved() ? "solved" : "not solved",
                    r.sequences()) : " failed: " + r.error()));
            return r;
        }

        @Override
        public void close() {
            children.close();
        }
    }
}
