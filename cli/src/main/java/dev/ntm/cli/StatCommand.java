package dev.ntm.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

import dev.ntm.serve.CountersFile;
import org.agrona.concurrent.status.CountersReader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code ntm stat FILE}: prints the live counters of a serving runner from its counters file, from
 * any process, while the service runs (as Aeron's {@code AeronStat} does for a media driver).
 */
@Command(name = "stat", sortOptions = false, mixinStandardHelpOptions = true,
        description = {"Print the live counters of a serving runner (steps, batches, batch sizes, queue depth, "
                + "rejections, sessions open) from its counters file (ServeOptions.withCountersFile).",
                "Exit status: 0 ok, 2 no such file or not a counters file."})
final class StatCommand implements Callable<Integer> {

    /** A heartbeat older than this means the runner thread is not running. */
    private static final long STALE_MS = 5_000;

    @Spec
    private CommandSpec spec;

    @Parameters(paramLabel = "FILE", description = "The counters file of a running (or stopped) service.")
    private Path file;

    @Option(names = "--watch", paramLabel = "SECONDS",
            description = "Print again every SECONDS until interrupted (or --count times).")
    private Double watch;

    @Option(names = "--count", paramLabel = "N", description = "With --watch: stop after N prints.")
    private Integer count;

    @Override
    public Integer call() throws IOException, InterruptedException {
        if (watch != null && !(watch > 0 && Double.isFinite(watch))) {
            throw new IllegalArgumentException("--watch must be a positive number of seconds, got " + watch);
        }
        if (count != null && (count < 1 || watch == null)) {
            throw new IllegalArgumentException("--count needs --watch and N >= 1, got " + count);
        }
        PrintWriter o = spec.commandLine().getOut();
        try (CountersFile f = CountersFile.open(file)) {
            int prints = watch == null ? 1 : count == null ? Integer.MAX_VALUE : count;
            for (int i = 0; i < prints; i++) {
                if (i > 0) {
                    Thread.sleep(Math.round(watch * 1000));
                    o.println();
                }
                o.print(format(f, System.currentTimeMillis()));
                o.flush();
            }
        }
        return 0;
    }

    /** The header line and one line per counter. */
    static String format(CountersFile f, long nowMs) {
        CountersReader r = f.reader();
        List<String[]> rows = new ArrayList<>();
        long[] newestHeartbeat = {0};
        r.forEach((id, type, key, label) -> {
            long v = r.getCounterValue(id);
            String value;
            if (type == CountersFile.TYPE_HEARTBEAT) {
                newestHeartbeat[0] = Math.max(newestHeartbeat[0], v);
                value = v == 0 ? "never" : String.format(Locale.ROOT, "%,d ms ago", nowMs - v);
            } else {
                value = String.format(Locale.ROOT, "%,d", v);
            }
            rows.add(new String[] {value, label});
        });
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%s: pid %d, started %s, %s%n", f.path(), f.pid(),
                Instant.ofEpochMilli(f.startMillis()), state(f, newestHeartbeat[0], nowMs)));
        int width = 5;
        for (String[] row : rows) {
            width = Math.max(width, row[0].length());
        }
        for (String[] row : rows) {
            sb.append(String.format(Locale.ROOT, "%" + width + "s  %s%n", row[0], row[1]));
        }
        return sb.toString();
    }

    private static String state(CountersFile f, long heartbeat, long nowMs) {
        if (f.state() == CountersFile.CLOSED) {
            return "closed (final values)";
        }
        boolean alive = ProcessHandle.of(f.pid()).map(ProcessHandle::isAlive).orElse(false);
        if (!alive) {
            return "not running (process " + f.pid() + " is gone without closing the runner)";
        }
        if (heartbeat == 0 || nowMs - heartbeat > STALE_MS) {
            return "running, but no runner heartbeat for " + (heartbeat == 0 ? "ever" : (nowMs - heartbeat) + " ms");
        }
        return "running";
    }
}
