package dev.ntm.cli.viz;

/**
 * A perceptually uniform sequential colour map in the manner of viridis (van der Walt and Smith,
 * 2015): dark violet for the smallest value, through blue and green, to yellow for the largest.
 *
 * <p>The table is computed here, not copied: ten published sample colours of viridis are joined by
 * straight lines in Oklab (Ottosson 2020), a space where equal steps look about equally different,
 * so the lightness rises steadily from one end to the other and a heatmap reads the same in grey.
 */
public final class ColorMap {

    /** Ten evenly spaced colours of viridis, as published (e.g. by R's viridisLite), darkest first. */
    private static final int[] STOPS = {0x440154, 0x482878, 0x3E4A89, 0x31688E, 0x26828E, 0x1F9E89, 0x35B779,
            0x6DCD59, 0xB4DE2C, 0xFDE725};

    /** Entries of the table; a value maps to the nearest one. */
    public static final int SIZE = 256;

    private static final ColorMap VIRIDIS = new ColorMap();

    private final int[] table = new int[SIZE];
    private final double[][] lab = new double[SIZE][];

    private ColorMap() {
        double[][] stops = new double[STOPS.length][];
        for (int i = 0; i < STOPS.length; i++) {
            stops[i] = Oklab.fromRgb(STOPS[i]);
        }
        for (int i = 0; i < SIZE; i++) {
            double at = (double) i / (SIZE - 1) * (STOPS.length - 1);
            int k = Math.min((int) at, STOPS.length - 2);
            double f = at - k;
            double[] c = new double[3];
            for (int j = 0; j < 3; j++) {
                c[j] = stops[k][j] + f * (stops[k + 1][j] - stops[k][j]);
            }
            lab[i] = c;
            table[i] = Oklab.toRgb(c);
        }
    }

    /** The viridis-like map. */
    public static ColorMap viridis() {
        return VIRIDIS;
    }

    /** The 0xRRGGBB colour of {@code t} in [0, 1] (clamped; NaN gives the smallest value's colour). */
    public int rgb(double t) {
        return table[index(t)];
    }

    /** The table entry {@code t} in [0, 1] falls on. */
    public static int index(double t) {
        if (!(t > 0)) {
            return 0;
        }
        return t >= 1 ? SIZE - 1 : (int) Math.round(t * (SIZE - 1));
    }

    /** The 0xRRGGBB colour of entry {@code i}. */
    public int entry(int i) {
        return table[i];
    }

    /** Oklab lightness of entry {@code i}, in [0, 1]. */
    public double lightness(int i) {
        return lab[i][0];
    }

    /**
     * The position in [0, 1] of the table colour nearest to {@code rgb}: reads a value back from a
     * drawn pixel (what a person comparing a cell with the colour bar does).
     */
    public double valueOf(int rgb) {
        int best = 0;
        long bestDistance = Long.MAX_VALUE;
        for (int i = 0; i < SIZE; i++) {
            long d = distance(rgb, table[i]);
            if (d < bestDistance) {
                bestDistance = d;
                best = i;
            }
        }
        return (double) best / (SIZE - 1);
    }

    private static long distance(int a, int b) {
        long dr = ((a >> 16) & 0xFF) - ((b >> 16) & 0xFF);
        long dg = ((a >> 8) & 0xFF) - ((b >> 8) & 0xFF);
        long db = (a & 0xFF) - (b & 0xFF);
        return dr * dr + dg * dg + db * db;
    }
}
