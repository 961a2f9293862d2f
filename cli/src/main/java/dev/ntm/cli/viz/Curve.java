package dev.ntm.cli.viz;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A learning curve read from a run's {@code curve.csv}, by column name, so files written before a
 * column was added still read (a missing {@code eval_sequences} reads as 0: unknown).
 *
 * @param name   what to call the run in a legend (its folder's name)
 * @param points one per evaluation, in file order
 */
public record Curve(String name, List<Point> points) {

    /**
     * One evaluation.
     *
     * @param sequences      training sequences so far
     * @param trainCost      mean training cost since the previous point, bits per sequence
     * @param trainErrors    mean training bit errors per sequence since the previous point
     * @param evalCost       evaluation cost, bits per sequence
     * @param evalErrors     evaluation bit errors per sequence
     * @param evalSequences  fresh sequences the evaluation used (0 when the file does not say)
     * @param solved         whether the evaluation met the solved criterion
     */
    public record Point(long sequences, double trainCost, double trainErrors, double evalCost, double evalErrors,
                        int evalSequences, boolean solved) {
    }

    public Curve {
        points = List.copyOf(points);
    }

    /** Reads {@code file}; a clear error names the file and the line when it is not a learning curve. */
    public static Curve read(Path file, String name) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        if (lines.isEmpty()) {
            throw new CurveFormatException(file + " is empty; expected a learning curve (curve.csv) with a header");
        }
        List<String> header = Arrays.asList(lines.getFirst().split(",", -1));
        int seq = column(file, header, "sequences", true);
        int trainCost = column(file, header, "train_cost_bits", true);
        int trainErrors = column(file, header, "train_bit_errors", true);
        int evalCost = column(file, header, "eval_cost_bits", true);
        int evalErrors = column(file, header, "eval_bit_errors", true);
        int solved = column(file, header, "solved", true);
        int evalSequences = column(file, header, "eval_sequences", false);
        List<Point> points = new ArrayList<>();
        for (int i = 1; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) {
                continue;
            }
            String[] f = lines.get(i).split(",", -1);
            try {
                points.add(new Point(Long.parseLong(f[seq]), Double.parseDouble(f[trainCost]),
                        Double.parseDouble(f[trainErrors]), Double.parseDouble(f[evalCost]),
                        Double.parseDouble(f[evalErrors]),
                        evalSequences < 0 || f[evalSequences].isEmpty() ? 0 : Integer.parseInt(f[evalSequences]),
                        Boolean.parseBoolean(f[solved])));
            } catch (RuntimeException e) {
                throw new CurveFormatException(file + " line " + (i + 1) + " is not a learning-curve row ("
                        + String.join(",", header) + "): '" + lines.get(i) + "'");
            }
        }
        return new Curve(name, points);
    }

    private static int column(Path file, List<String> header, String name, boolean required) throws CurveFormatException {
        int i = header.indexOf(name);
        if (i < 0 && required) {
            throw new CurveFormatException(file + " has no column '" + name + "'; expected a learning curve written by "
                    + "ntm train (curve.csv), header: " + String.join(",", header));
        }
        return i;
    }

    /** A file that is not a learning curve. */
    public static final class CurveFormatException extends IOException {
        CurveFormatException(String message) {
            super(message);
        }
    }
}
