package dev.ntm.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import dev.ntm.engine.io.Json;

/**
 * The result of a benchmark run: named figures, each with its noise, and the fingerprint of the
 * machine and code that produced them. Written to and read from JSON, so that a later run can
 * compare itself with a saved baseline ({@link Comparer}).
 */
public final class BenchReport {

    /** The value of the {@code format} field of a report file. */
    public static final String FORMAT = "ntm-bench-report";
    /** The version of the report format. */
    public static final int VERSION = 1;

    /** Scales a median absolute deviation to the standard deviation of a normal distribution. */
    private static final double MAD_TO_SIGMA = 1.4826;

    /**
     * One measured figure.
     *
     * @param name           unique name in the report, for example {@code inference.p50}
     * @param unit           unit of the value, for example {@code ns} or {@code seq/s}
     * @param value          the central value (the median of the samples)
     * @param lowerIsBetter  true for times, false for rates
     * @param relativeSpread the noise of the repeated runs relative to the value: the median
     *                       absolute deviation times 1.4826 (a standard deviation for normal noise,
     *                       robust against one disturbed run), divided by the median; 0 for one
     *                       sample
     * @param samples        how many repeated runs the value summarises
     */
    public record Figure(String name, String unit, double value, boolean lowerIsBetter, double relativeSpread,
                         int samples) {

        /** Validates the fields. */
        public Figure {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("a figure needs a non-blank name");
            }
            if (unit == null) {
                throw new IllegalArgumentException("figure " + name + " needs a unit (may be empty)");
            }
            if (!Double.isFinite(value) || value < 0) {
                throw new IllegalArgumentException("figure " + name + " must have a finite value >= 0, got " + value);
            }
            if (!Double.isFinite(relativeSpread) || relativeSpread < 0) {
                throw new IllegalArgumentException("figure " + name + " must have a finite relative spread >= 0, got "
                        + relativeSpread);
            }
            if (samples < 1) {
                throw new IllegalArgumentException("figure " + name + " must summarise >= 1 sample, got " + samples);
            }
        }

        /** A figure from repeated measurements: median value, relative spread as described above. */
        public static Figure fromSamples(String name, String unit, boolean lowerIsBetter, double... samples) {
            if (samples.length == 0) {
                throw new IllegalArgumentException("figure " + name + " needs at least one sample");
            }
            return new Figure(name, unit, median(samples), lowerIsBetter, BenchReport.relativeSpread(samples), samples.length);
        }

        /** The same figure with the value multiplied by {@code factor}. */
        public Figure scaled(double factor) {
            return new Figure(name, unit, value * factor, lowerIsBetter, relativeSpread, samples);
        }
    }

    /**
     * The relative spread of repeated measurements: 1.4826 times their median absolute deviation,
     * divided by their median; 0 for a single sample or a zero median.
     */
    public static double relativeSpread(double... samples) {
        if (samples.length < 2) {
            return 0;
        }
        double median = median(samples);
        if (median == 0) {
            return 0;
        }
        double[] dev = new double[samples.length];
        for (int i = 0; i < samples.length; i++) {
            dev[i] = Math.abs(samples[i] - median);
        }
        return MAD_TO_SIGMA * median(dev) / Math.abs(median);
    }

    /** The median of {@code values} (the mean of the middle two for an even count). */
    static double median(double[] values) {
        double[] s = values.clone();
        Arrays.sort(s);
        int n = s.length;
        return (n & 1) == 1 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
    }

    private final String suite;
    private final Instant created;
    private final Fingerprint fingerprint;
    private final List<Figure> figures;
    private final List<String> notes;

    /** A report created now. */
    public BenchReport(String suite, Fingerprint fingerprint, List<Figure> figures, List<String> notes) {
        this(suite, Instant.now(), fingerprint, figures, notes);
    }

    /** A report; figure names must be unique. */
    public BenchReport(String suite, Instant created, Fingerprint fingerprint, List<Figure> figures,
                       List<String> notes) {
        if (suite == null || created == null || fingerprint == null || figures == null || notes == null) {
            throw new IllegalArgumentException("a report needs a suite name, a time, a fingerprint, figures and notes");
        }
        Map<String, Figure> seen = new LinkedHashMap<>();
        for (Figure f : figures) {
            if (seen.put(f.name(), f) != null) {
                throw new IllegalArgumentException("figure name " + f.name() + " appears twice in the report");
            }
        }
        this.suite = suite;
        this.created = created;
        this.fingerprint = fingerprint;
        this.figures = List.copyOf(figures);
        this.notes = List.copyOf(notes);
    }

    /** The suite that produced the report, for example {@code quick}. */
    public String suite() { return suite; }
    /** When the report was made. */
    public Instant created() { return created; }
    /** The machine and code the figures come from. */
    public Fingerprint fingerprint() { return fingerprint; }
    /** The figures in the order they were measured. */
    public List<Figure> figures() { return figures; }
    /** Remarks on how the figures were measured (what was left out, and why). */
    public List<String> notes() { return notes; }

    /** The figure named {@code name}, if present. */
    public Optional<Figure> figure(String name) {
        for (Figure f : figures) {
            if (f.name().equals(name)) {
                return Optional.of(f);
            }
        }
        return Optional.empty();
    }

    /** The same report with other figures (same suite, time, fingerprint and notes). */
    public BenchReport withFigures(List<Figure> newFigures) {
        return new BenchReport(suite, created, fingerprint, newFigures, notes);
    }

    // ------------------------------------------------------------------ JSON

    /** The report as indented JSON. */
    public String toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("format", FORMAT);
        m.put("version", VERSION);
        m.put("suite", suite);
        m.put("created", created.toString());
        m.put("fingerprint", fingerprint.toMap());
        List<Object> list = new ArrayList<>();
        for (Figure f : figures) {
            Map<String, Object> fm = new LinkedHashMap<>();
            fm.put("name", f.name());
            fm.put("unit", f.unit());
            fm.put("value", f.value());
            fm.put("lowerIsBetter", f.lowerIsBetter());
            fm.put("relativeSpread", f.relativeSpread());
            fm.put("samples", f.samples());
            list.add(fm);
        }
        m.put("figures", list);
        m.put("notes", new ArrayList<Object>(notes));
        return Json.writePretty(m) + "\n";
    }

    /** Reads a report; throws {@link IllegalArgumentException} naming what is missing or wrong. */
    public static BenchReport fromJson(String json) {
        Map<String, Object> m = Json.parseObject(json, "a benchmark report");
        String format = JsonFields.string(m, "format", "report");
        if (!FORMAT.equals(format)) {
            throw new IllegalArgumentException("report.format must be \"" + FORMAT + "\", got \"" + format + "\"");
        }
        int version = JsonFields.integer(m, "version", "report");
        if (version != VERSION) {
            throw new IllegalArgumentException("report.version " + version + " is not supported (expected "
                    + VERSION + ")");
        }
        Instant created;
        try {
            created = Instant.parse(JsonFields.string(m, "created", "report"));
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("report.created must be an ISO-8601 instant: " + e.getMessage(), e);
        }
        Fingerprint fp = Fingerprint.fromMap(JsonFields.object(m.get("fingerprint"), "report.fingerprint"));
        List<Figure> figures = new ArrayList<>();
        List<?> list = JsonFields.list(m, "figures", "report");
        for (int i = 0; i < list.size(); i++) {
            String where = "report.figures[" + i + "]";
            Map<String, Object> fm = JsonFields.object(list.get(i), where);
            figures.add(new Figure(JsonFields.string(fm, "name", where), JsonFields.string(fm, "unit", where),
                    JsonFields.number(fm, "value", where), JsonFields.bool(fm, "lowerIsBetter", where),
                    JsonFields.number(fm, "relativeSpread", where), JsonFields.integer(fm, "samples", where)));
        }
        List<String> notes = new ArrayList<>();
        for (Object o : JsonFields.list(m, "notes", "report")) {
            notes.add(String.valueOf(o));
        }
        return new BenchReport(JsonFields.string(m, "suite", "report"), created, fp, figures, notes);
    }

    /** Writes the report to {@code file} through a temporary file and a rename. */
    public void write(Path file) throws IOException {
        Path abs = file.toAbsolutePath();
        Path dir = abs.getParent();
        if (dir != null) {
            Files.createDirectories(dir);
        }
        Path tmp = abs.resolveSibling(abs.getFileName() + ".tmp");
        Files.writeString(tmp, toJson(), StandardCharsets.UTF_8);
        Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Reads a report file; a malformed file is an {@link IOException} naming the file and the fault. */
    public static BenchReport read(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        try {
            return fromJson(text);
        } catch (IllegalArgumentException e) {
            throw new IOException(file + " is not a valid benchmark report: " + e.getMessage(), e);
        }
    }

    // ------------------------------------------------------------------ text

    /** The figures as a table, then the notes. */
    public String format() {
        int width = 6;
        for (Figure f : figures) {
            width = Math.max(width, f.name().length());
        }
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%-" + width + "s  %14s  %-8s  %8s  %7s%n", "figure", "value", "unit",
                "noise", "samples"));
        for (Figure f : figures) {
            sb.append(String.format(Locale.ROOT, "%-" + width + "s  %14s  %-8s  %7.1f%%  %7d%n", f.name(),
                    number(f.value()), f.unit(), 100 * f.relativeSpread(), f.samples()));
        }
        for (String note : notes) {
            sb.append("note: ").append(note).append('\n');
        }
        return sb.toString();
    }

    /** A number with about four significant digits, without exponent for ordinary magnitudes. */
    static String number(double v) {
        double a = Math.abs(v);
        if (a != 0 && (a >= 1e9 || a < 1e-3)) {
            return String.format(Locale.ROOT, "%.3e", v);
        }
        if (a >= 1000) {
            return String.format(Locale.ROOT, "%,.0f", v);
        }
        if (a >= 10) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        return String.format(Locale.ROOT, "%.3f", v);
    }
}
