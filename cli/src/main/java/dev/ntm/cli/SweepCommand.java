package dev.ntm.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

import com.hazelcast.core.HazelcastException;
import dev.ntm.sweep.ChildJvmRunner;
import dev.ntm.sweep.JobResult;
import dev.ntm.sweep.JobRunner;
import dev.ntm.sweep.MemberSettings;
import dev.ntm.sweep.Progress;
import dev.ntm.sweep.ResultStore;
import dev.ntm.sweep.ResultTable;
import dev.ntm.sweep.SweepCoordinator;
import dev.ntm.sweep.SweepGrid;
import dev.ntm.sweep.SweepJob;
import dev.ntm.sweep.SweepMember;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;

/** {@code ntm sweep}: many training runs over seeds and settings, on one machine or a cluster. */
@Command(name = "sweep", mixinStandardHelpOptions = true,
        description = {"Train every combination of settings for every seed (each run an ntm train in a child JVM) "
                + "and gather the results into a table: per setting, runs solved, median and worst sequences and "
                + "seconds, in all and to each run's first solve. Printed, and written to --out as table.md, table.csv and jobs.csv; each run's folder is "
                + "--out/runs/ID.",
                "By default one member of a Hazelcast cluster runs in this JVM, on 127.0.0.1 only, under a cluster "
                + "name derived from --out; ntm worker adds machines (README.md, \"Sweeps\"). A job whose member dies "
                + "runs again elsewhere; a sweep started again skips the jobs already done."},
        exitCodeListHeading = "Exit status:%n",
        exitCodeList = {"0:every job finished (solved or not)", "2:bad option or value (also a job that ntm train "
                + "refused)", "4:a job failed, or a result could not be written", "130:stopped by Ctrl-C (SIGINT)",
                "143:stopped by SIGTERM"})
final class SweepCommand implements Callable<Integer> {

    /** ntm train options a sweep sets itself, or that say nothing about the run. */
    static final Set<String> RESERVED = Set.of("out", "resume", "overwrite", "seed", "summary-json", "quiet", "help",
            "version", "task", "threads-per-job");

    @Mixin
    ClusterOptions cluster;

    @Option(names = "--task", split = ",", description = "The task(s), comma-separated (default: ${DEFAULT-VALUE}).",
            defaultValue = "copy")
    List<String> tasks;

    @Option(names = "--seeds", description = "Seeds: ranges and single seeds, e.g. 1..20 or 1,5,9 or 1..3,7 "
            + "(default: ${DEFAULT-VALUE}).", defaultValue = "1..10")
    String seeds;

    @Option(names = "--set", paramLabel = "NAME=V1[,V2...]", description = "An ntm train option and its values, "
            + "e.g. lr=1e-4,3e-4 or batch=32 or no-early-stop=true; repeat for more options (every combination runs).")
    List<String> sets = new ArrayList<>();

    @Option(names = "--out", description = "The sweep's folder (default: sweeps/ and the grid's name). Started again "
            + "with the same folder, a sweep skips the jobs whose results are there.")
    Path out;

    @Option(names = "--cluster", description = "The cluster's name (default: ntm-sweep- and a hash of --out, so that "
            + "two sweeps never share a cluster by accident).")
    String clusterName;

    @Option(names = "--wait-for", description = "Hand out no job until the cluster has this many members (default: "
            + "${DEFAULT-VALUE}: start at once; workers that join later get jobs as they come).", defaultValue = "1")
    int waitFor;

    @Override
    public Integer call() throws Exception {
        if (waitFor < 1) {
            throw new IllegalArgumentException("--wait-for must be at least 1, got " + waitFor);
        }
        CommandLine train = new CommandLine(new TrainCommand());
        List<SweepGrid.Axis> axes = new ArrayList<>();
        axes.add(new SweepGrid.Axis("task", tasks.stream().map(String::strip).distinct().toList()));
        for (String s : sets) {
            SweepGrid.Axis a = SweepGrid.parseAxis(s);
            OptionSpec o = train.getCommandSpec().findOption("--" + a.name());
            if (o == null || RESERVED.contains(a.name())) {
                throw new IllegalArgumentException("--set " + a.name() + ": " + (o == null ? "ntm train has no option --"
                        + a.name() + " (ntm help train lists them)" : a.name().equals("seed") ? "use --seeds"
                        : a.name().equals("task") ? "use --task" : "the sweep sets --" + a.name() + " itself"));
            }
            if (o.typeInfo().isBoolean()) {
                for (String v : a.values()) {
                    if (!v.equals("true") && !v.equals("false")) {
                        throw new IllegalArgumentException("--set " + a.name() + " takes true or false, got '" + v + "'");
                    }
                }
            }
            axes.add(a);
        }
        List<Long> seedList = SweepGrid.parseSeeds(seeds);
        Path dir = (out != null ? out : Path.of("sweeps", defaultName(axes))).toAbsolutePath().normalize();
        List<SweepJob> jobs = SweepGrid.jobs(axes, seedList, (name, value) -> trainArgs(train, name, value),
                dir.resolve("runs").toString());
        checkArgs(jobs);
        String name = clusterName != null ? clusterName : MemberSettings.derivedClusterName(dir.toString());
        MemberSettings settings = cluster.settings(name);
        ResultStore store = new ResultStore(dir);
        Map<String, JobResult> already = store.load(jobs);
        ChildJvmRunner runner = new ChildJvmRunner(ChildJvmRunner.javaCommand(SweepJobMain.class.getName()), null);
        System.out.printf(Locale.ROOT, "sweep: %d job(s), %d setting(s) x %d seed(s)%s; folder %s%n", jobs.size(),
                jobs.size() / seedList.size(), seedList.size(),
                already.isEmpty() ? "" : ", " + already.size() + " done before", dir);
        SweepMember member = startMember(settings, runner);
        Thread hook = new Thread(member::close, "ntm-sweep-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        Map<String, JobResult> results;
        try {
            System.out.printf(Locale.ROOT, "sweep: cluster %s, this member %s runs %d job(s) at once%n", name,
                    member.address(), settings.slots());
            System.out.println("sweep: add a machine with: ntm worker --join " + member.address() + " --cluster " + name
                    + (settings.bind().equals(MemberSettings.LOOPBACK)
                    ? " (on this machine; for another, start the sweep with --bind and an address it reaches)" : ""));
            awaitMembers(member);
            results = new SweepCoordinator(member).run(jobs, already, new PrintingListener(store));
        } finally {
            member.close();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // already shutting down
            }
        }
        ResultTable table = ResultTable.of(jobs, results);
        table.write(dir);
        System.out.println();
        System.out.print(table.markdown());
        System.out.println("table: " + dir.resolve(ResultTable.TABLE_MD) + ", " + dir.resolve(ResultTable.TABLE_CSV)
                + "; every job: " + dir.resolve(ResultTable.JOBS_CSV));
        return results.values().stream().allMatch(JobResult::finished) ? ExitCodes.OK : ExitCodes.FAILURE;
    }

    private void awaitMembers(SweepMember member) throws InterruptedException {
        int seen = -1;
        while (member.hazelcast().getCluster().getMembers().size() < waitFor) {
            int n = member.hazelcast().getCluster().getMembers().size();
            if (n != seen) {
                System.out.printf(Locale.ROOT, "sweep: %d of %d members; waiting for the others (--wait-for)%n", n, waitFor);
                seen = n;
            }
            Thread.sleep(200);
        }
    }

    /** Starts a member, turning Hazelcast's start-up failures (port, address) into usage errors. */
    static SweepMember startMember(MemberSettings settings, JobRunner runner) {
        try {
            return SweepMember.start(settings, runner);
        } catch (HazelcastException e) {
            throw new IllegalArgumentException("could not start the cluster member on " + settings.bind() + ":"
                    + settings.port() + ": " + e.getMessage());
        }
    }

    /** The ntm train arguments of one option's value: a flag given or left out, or the option and its value. */
    private static List<String> trainArgs(CommandLine train, String name, String value) {
        if (train.getCommandSpec().findOption("--" + name).typeInfo().isBoolean()) {
            return value.equals("true") ? List.of("--" + name) : List.of();
        }
        return List.of("--" + name, value);
    }

    /** Parses every setting's arguments as ntm train would, so that a bad value is refused before any run. */
    private static void checkArgs(List<SweepJob> jobs) {
        String last = null;
        for (SweepJob j : jobs) {
            if (j.setting().equals(last)) {
                continue;
            }
            last = j.setting();
            try {
                new CommandLine(new TrainCommand()).parseArgs(j.trainArgs().toArray(String[]::new));
            } catch (CommandLine.ParameterException e) {
                throw new IllegalArgumentException("setting " + j.setting() + ": " + e.getMessage());
            }
        }
    }

    /** The default folder name: the grid's options and values, e.g. {@code task=copy_lr=1e-4+3e-4}. */
    private static String defaultName(List<SweepGrid.Axis> axes) {
        List<String> parts = new ArrayList<>();
        for (SweepGrid.Axis a : axes) {
            parts.add(a.name() + "=" + String.join("+", a.values()));
        }
        String s = String.join("_", parts).replaceAll("[^A-Za-z0-9.=+-]", "_");
        return s.length() > 80 ? s.substring(0, 80) : s;
    }

    /** Persists each result as it comes, prints the progress, and stops the sweep on a job ntm train refused. */
    private record PrintingListener(ResultStore store) implements SweepCoordinator.Listener {
        @Override
        public void result(JobResult r) throws java.io.IOException {
            store.save(r);
            if (r.status() == ExitCodes.USAGE) {
                throw new IllegalArgumentException("job " + r.id() + ": " + r.error());
            }
        }

        @Override
        public void progress(Progress p) {
            System.out.println(p.line());
        }

        @Override
        public void notice(String line) {
            System.out.println("sweep: " + line);
        }
    }
}
