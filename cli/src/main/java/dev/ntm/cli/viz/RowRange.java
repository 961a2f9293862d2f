package dev.ntm.cli.viz;

/**
 * The memory rows a figure shows: the shortest circular run of rows (it may wrap past N-1 to 0,
 * as location addressing does) that holds every row some head weighted by at least a threshold,
 * with a margin; all N rows when nothing stands out.
 *
 * @param first  first row shown
 * @param count  rows shown
 * @param total  N
 */
public record RowRange(int first, int count, int total) {

    /** Weights below this do not make a row "in use". */
    public static final double IN_USE = 0.05;
    /** Rows added on either side of the rows in use. */
    static final int MARGIN = 2;

    /** Memory row of the {@code i}-th row shown. */
    public int row(int i) {
        return (first + i) % total;
    }

    /** Whether every row is shown. */
    public boolean all() {
        return count == total;
    }

    /** "rows 3..25 of 0..127", "rows 120..9 (wrapping) of 0..127" or "rows 0..127". */
    public String describe() {
        int last = row(count - 1);
        if (all()) {
            return "rows 0.." + (total - 1);
        }
        return "rows " + first + ".." + last + (last < first ? " (wrapping)" : "") + " of 0.." + (total - 1);
    }

    /**
     * The rows in use by weightings {@code weights}, any number of [N] vectors one after another.
     */
    public static RowRange inUse(int n, float[]... weights) {
        boolean[] used = new boolean[n];
        int usedCount = 0;
        for (float[] w : weights) {
            for (int i = 0; i < w.length; i++) {
                if (w[i] >= IN_USE && !used[i % n]) {
                    used[i % n] = true;
                    usedCount++;
                }
            }
        }
        if (usedCount == 0) {
            return new RowRange(0, n, n);
        }
        // The longest circular gap of unused rows is what to leave out.
        int bestGapStart = 0;
        int bestGap = 0;
        for (int start = 0; start < n; start++) {
            if (used[start] || !used[(start + n - 1) % n]) {
                continue;
            }
            int len = 0;
            while (len < n && !used[(start + len) % n]) {
                len++;
            }
            if (len > bestGap) {
                bestGap = len;
                bestGapStart = start;
            }
        }
        int count = n - bestGap + 2 * MARGIN;
        if (count >= n) {
            return new RowRange(0, n, n);
        }
        int first = ((bestGapStart + bestGap - MARGIN) % n + n) % n;
        return new RowRange(first, count, n);
    }
}
