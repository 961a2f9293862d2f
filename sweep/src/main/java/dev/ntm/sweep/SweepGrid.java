package dev.ntm.sweep;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.BiFunction;

/**
 * The jobs of a sweep: every combination of the axes' values (in the order given, the last
 * varying fastest), each run for every seed. {@code --seeds 1..20} and {@code --set lr=1e-4,3e-4}
 * are read here; what an option name means is the caller's business ({@code ntm train}'s).
 */
public final class SweepGrid {

    /** At most this many jobs in one sweep: a typo such as 1..100000 is refused, not queued. */
    public static final int MAX_JOBS = 100_000;
    /** Longest job id kept whole; a longer one is cut and ends with a hash of the whole. */
    static final int MAX_ID = 96;

    /**
     * One dimension of the grid: an {@code ntm train} option and the values it takes.
     *
     * @param name   the option's name without dashes, e.g. {@code lr}
     * @param values its values, at least one, no duplicates
     */
    public record Axis(String name, List<String> values) {
        public Axis {
            values = List.copyOf(values);
            if (values.isEmpty()) {
                throw new IllegalArgumentException("--set " + name + " needs at least one value");
            }
        }
    }

    private SweepGrid() {
    }

    /**
     * Reads {@code NAME=V1,V2,...} ({@code --set}).
     *
     * @throws IllegalArgumentException when it is not of that form
     */
    public static Axis parseAxis(String spec) {
        int eq = spec.indexOf('=');
        String name = eq < 0 ? "" : spec.substring(0, eq).strip();
        if (name.startsWith("--")) {
            name = name.substring(2);
        }
        if (eq < 0 || name.isEmpty() || !name.matches("[a-z][a-z0-9-]*")) {
            throw new IllegalArgumentException("--set must be NAME=VALUE[,VALUE...] with an ntm train option as NAME, "
                    + "e.g. lr=1e-4,3e-4; got '" + spec + "'");
        }
        Set<String> values = new LinkedHashSet<>();
        for (String v : spec.substring(eq + 1).split(",", -1)) {
            String value = v.strip();
            if (value.isEmpty()) {
                throw new IllegalArgumentException("--set " + name + " has an empty value in '" + spec + "'");
            }
            if (!values.add(value)) {
                throw new IllegalArgumentException("--set " + name + " lists " + value + " twice");
            }
        }
        return new Axis(name, new ArrayList<>(values));
    }

    /**
     * Reads a seed list: ranges {@code A..B} and single seeds, joined by commas ({@code 1..10},
     * {@code 1,5,9}, {@code 1..3,7}).
     *
     * @throws IllegalArgumentException when it is not of that form, lists a seed twice or is too long
     */
    public static List<Long> parseSeeds(String spec) {
        Set<Long> seeds = new LinkedHashSet<>();
        for (String part : spec.split(",", -1)) {
            String p = part.strip();
            try {
                int dots = p.indexOf("..");
                long from = Long.parseLong(dots < 0 ? p : p.substring(0, dots).strip());
                long to = dots < 0 ? from : Long.parseLong(p.substring(dots + 2).strip());
                if (to < from) {
                    throw new IllegalArgumentException("--seeds range " + p + " runs backwards");
                }
                if (to - from >= MAX_JOBS) {
                    throw new IllegalArgumentException("--seeds " + p + " has more than " + MAX_JOBS + " seeds");
                }
                for (long s = from; s <= to; s++) {
                    if (!seeds.add(s)) {
                        throw new IllegalArgumentException("--seeds lists seed " + s + " twice");
                    }
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--seeds must be seeds and ranges such as 1..20 or 1,5,9 or 1..3,7; got '"
                        + spec + "'");
            }
        }
        return List.copyOf(seeds);
    }

    /**
     * The jobs, settings in grid order and seeds inside each.
     *
     * @param axes    the dimensions (option names unique)
     * @param seeds   the seeds
     * @param toArgs  the {@code ntm train} arguments of one option and value (e.g. {@code --lr 1e-4})
     * @param runsDir the absolute folder of the run folders
     */
    public static List<SweepJob> jobs(List<Axis> axes, List<Long> seeds, BiFunction<String, String, List<String>> toArgs,
                                      String runsDir) {
        Set<String> names = new LinkedHashSet<>();
        long settings = 1;
        for (Axis a : axes) {
            if (!names.add(a.name())) {
                throw new IllegalArgumentException("--set " + a.name() + " is given twice; list its values in one --set");
            }
            settings *= a.values().size();
            if (settings * seeds.size() > MAX_JOBS) {
                throw new IllegalArgumentException("the sweep would have more than " + MAX_JOBS + " jobs");
            }
        }
        List<SweepJob> jobs = new ArrayList<>();
        int[] index = new int[axes.size()];
        for (long n = 0; n < settings; n++) {
            List<String> labels = new ArrayList<>();
            List<String> args = new ArrayList<>();
            for (int i = 0; i < axes.size(); i++) {
                Axis a = axes.get(i);
                String value = a.values().get(index[i]);
                labels.add(a.name() + "=" + value);
                args.addAll(toArgs.apply(a.name(), value));
            }
            String setting = String.join(" ", labels);
            for (long seed : seeds) {
                List<String> jobArgs = new ArrayList<>(args);
                jobArgs.addAll(List.of("--seed", Long.toString(seed)));
                jobs.add(new SweepJob(id(labels, seed), setting, seed, jobArgs, runsDir));
            }
            for (int i = axes.size() - 1; i >= 0; i--) {   // the next combination, last axis fastest
                if (++index[i] < axes.get(i).values().size()) {
                    break;
                }
                index[i] = 0;
            }
        }
        return jobs;
    }

    /** A folder name for a job: its labels and seed, with anything but letters, digits and {@code .=+-} as '_'. */
    static String id(List<String> labels, long seed) {
        String full = (String.join("_", labels) + "_seed" + seed).replaceAll("[^A-Za-z0-9.=+-]", "_");
        if (full.length() <= MAX_ID) {
            return full;
        }
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(full.getBytes(StandardCharsets.UTF_8));
            return full.substring(0, MAX_ID - 24) + "_" + HexFormat.of().formatHex(hash, 0, 6) + "_seed" + seed;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
