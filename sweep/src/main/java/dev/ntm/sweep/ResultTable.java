package dev.ntm.sweep;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A sweep's results gathered per setting: runs, how many solved the task, the median and worst
 * (largest) training sequences and seconds of the runs that finished, the same to each run's
 * first solve (which comes earlier when a run trains on past it, {@code ntm train
 * --min-sequences}), and how many failed.
 * Written as {@value #TABLE_CSV} and {@value #TABLE_MD}, with every job in {@value #JOBS_CSV}.
 */
public final class ResultTable {

    /** Per setting, comma-separated. */
    public static final String TABLE_CSV = "table.csv";
    /** Per setting, a markdown table (what the sweep prints). */
    public static final String TABLE_MD = "table.md";
    /** Per job, comma-separated. */
    public static final String JOBS_CSV = "jobs.csv";

    /**
     * One row.
     *
     * @param setting           the setting
     * @param runs              its jobs
     * @param solved            the runs that solved the task
     * @param failed            the runs that did not finish
     * @param medianSequences   median training sequences of the finished runs (NaN when none)
     * @param worstSequences    the most training sequences of a finished run (-1 when none)
     * @param medianSeconds     median seconds
     * @param worstSeconds      most seconds
     * @param medianFirstSolvedSequences median sequences to the first solve, over the runs that were
     *                          solved at some evaluation (NaN when none was)
     * @param worstFirstSolvedSequences the most sequences to a first solve (-1 when none)
     * @param medianFirstSolvedSeconds median seconds of training to the first solve
     * @param worstFirstSolvedSeconds most seconds to a first solve
     */
    public record Row(String setting, int runs, int solved, int failed, double medianSequences, long worstSequences,
                      double medianSeconds, double worstSeconds, double medianFirstSolvedSequences,
                      long worstFirstSolvedSequences, double medianFirstSolvedSeconds, double worstFirstSolvedSeconds) {
    }

    private final List<Row> rows;
    private final List<JobResult> results;

    private ResultTable(List<Row> rows, List<JobResult> results) {
        this.rows = List.copyOf(rows);
        this.results = List.copyOf(results);
    }

    /** The table of the jobs' results (in job order; a job without a result is left out). */
    public static ResultTable of(List<SweepJob> jobs, Map<String, JobResult> byId) {
        Map<String, List<JobResult>> bySetting = new LinkedHashMap<>();
        List<JobResult> ordered = new ArrayList<>();
        for (SweepJob j : jobs) {
            List<JobResult> list = bySetting.computeIfAbsent(j.setting(), k -> new ArrayList<>());
            JobResult r = byId.get(j.id());
            if (r != null) {
                list.add(r);
                ordered.add(r);
            }
        }
        List<Row> rows = new ArrayList<>();
        for (Map.Entry<String, List<JobResult>> e : bySetting.entrySet()) {
            List<JobResult> finished = e.getValue().stream().filter(JobResult::finished).toList();
            double[] sequences = finished.stream().mapToDouble(JobResult::sequences).sorted().toArray();
            double[] seconds = finished.stream().mapToDouble(JobResult::seconds).sorted().toArray();
            List<JobResult> firstSolved = finished.stream().filter(r -> r.firstSolvedSequences() >= 0).toList();
            double[] firstSequences = firstSolved.stream().mapToDouble(JobResult::firstSolvedSequences).sorted().toArray();
            double[] firstSeconds = firstSolved.stream().mapToDouble(JobResult::firstSolvedSeconds).sorted().toArray();
            rows.add(new Row(e.getKey(), e.getValue().size(), (int) finished.stream().filter(JobResult::solved).count(),
                    e.getValue().size() - finished.size(), median(sequences),
                    sequences.length == 0 ? -1 : (long) sequences[sequences.length - 1], median(seconds),
                    seconds.length == 0 ? Double.NaN : seconds[seconds.length - 1], median(firstSequences),
                    firstSequences.length == 0 ? -1 : (long) firstSequences[firstSequences.length - 1],
                    median(firstSeconds), firstSeconds.length == 0 ? Double.NaN : firstSeconds[firstSeconds.length - 1]));
        }
        return new ResultTable(rows, ordered);
    }

    /** The rows, one per setting. */
    public List<Row> rows() {
        return rows;
    }

    static double median(double[] sorted) {
        int n = sorted.length;
        if (n == 0) {
            return Double.NaN;
        }
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /** The markdown table. */
    public String markdown() {
        StringBuilder b = new StringBuilder();
        b.append("| setting | runs | solved | median sequences | worst sequences | median s | worst s "
                + "| first solved: median sequences | worst sequences | median s | worst s | failed |\n");
        b.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Row r : rows) {
            b.append(String.format(Locale.ROOT, "| %s | %d | %d | %s | %s | %s | %s | %s | %s | %s | %s | %d |%n",
                    r.setting(), r.runs(), r.solved(), count(r.medianSequences()), count(r.worstSequences()),
                    seconds(r.medianSeconds()), seconds(r.worstSeconds()), count(r.medianFirstSolvedSequences()),
                    count(r.worstFirstSolvedSequences()), seconds(r.medianFirstSolvedSeconds()),
                    seconds(r.worstFirstSolvedSeconds()), r.failed()));
        }
        return b.toString();
    }

    private static String count(double n) {
        return Double.isNaN(n) || n < 0 ? "-" : String.format(Locale.ROOT, "%,.0f", n);
    }

    private static String seconds(double s) {
        return Double.isNaN(s) ? "-" : String.format(Locale.ROOT, "%.1f", s);
    }

    /** The per-setting CSV. */
    public String csv() {
        StringBuilder b = new StringBuilder("setting,runs,solved,median_sequences,worst_sequences,median_seconds,"
                + "worst_seconds,failed,median_first_solved_sequences,worst_first_solved_sequences,"
                + "median_first_solved_seconds,worst_first_solved_seconds\n");
        for (Row r : rows) {
            b.append(String.join(",", quote(r.setting()), Integer.toString(r.runs()), Integer.toString(r.solved()),
                    number(r.medianSequences()), r.worstSequences() < 0 ? "" : Long.toString(r.worstSequences()),
                    number(r.medianSeconds()), number(r.worstSeconds()), Integer.toString(r.failed()),
                    number(r.medianFirstSolvedSequences()),
                    r.worstFirstSolvedSequences() < 0 ? "" : Long.toString(r.worstFirstSolvedSequences()),
                    number(r.medianFirstSolvedSeconds()), number(r.worstFirstSolvedSeconds()))).append('\n');
        }
        return b.toString();
    }

    /** The per-job CSV. */
    public String jobsCsv() {
        StringBuilder b = new StringBuilder(
                "id,setting,seed,status,solved,sequences,seconds,bit_errors_per_sequence,parameters_sha256,member,resumed_from,"
                        + "error,first_solved_sequences,first_solved_seconds\n");
        for (JobResult r : results) {
            b.append(String.join(",", quote(r.id()), quote(r.setting()), Long.toString(r.seed()), Integer.toString(r.status()),
                    Boolean.toString(r.solved()), Long.toString(r.sequences()), number(r.seconds()),
                    number(r.bitErrorsPerSequence()), r.parametersSha256() == null ? "" : r.parametersSha256(),
                    quote(r.member()), Long.toString(r.resumedFrom()), quote(r.error() == null ? "" : r.error()),
                    r.firstSolvedSequences() < 0 ? "" : Long.toString(r.firstSolvedSequences()),
                    number(r.firstSolvedSeconds()))).append('\n');
        }
        return b.toString();
    }

    private static String number(double d) {
        return Double.isFinite(d) ? String.format(Locale.ROOT, "%s", d) : "";
    }

    private static String quote(String s) {
        return s.contains(",") || s.contains("\"") || s.contains("\n") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }

    /** Writes the three files into the sweep's folder (each atomically). */
    public void write(Path sweepDir) throws IOException {
        Files.createDirectories(sweepDir);
        for (String[] f : Arrays.asList(new String[] {TABLE_MD, markdown()}, new String[] {TABLE_CSV, csv()},
                new String[] {JOBS_CSV, jobsCsv()})) {
            Path tmp = sweepDir.resolve(f[0] + ".tmp");
            Files.writeString(tmp, f[1]);
            Files.move(tmp, sweepDir.resolve(f[0]), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
