package dev.ntm.bench;

/**
 * An ordinary least-squares line {@code y = intercept + slope * x}, used to turn step times
 * measured at several memory sizes into a cost per memory cell.
 *
 * @param slope     change of y per unit of x
 * @param intercept y at x = 0
 * @param r2        coefficient of determination (1 for points on a line; 1 when y is constant)
 */
public record LinearFit(double slope, double intercept, double r2) {

    /** Fits a line through the points; needs at least two distinct x values. */
    public static LinearFit fit(double[] x, double[] y) {
        if (x.length != y.length || x.length < 2) {
            throw new IllegalArgumentException("a line fit needs two arrays of equal length >= 2, got "
                    + x.length + " and " + y.length);
        }
        int n = x.length;
        double mx = 0;
        double my = 0;
        for (int i = 0; i < n; i++) {
            if (!Double.isFinite(x[i]) || !Double.isFinite(y[i])) {
                throw new IllegalArgumentException("point " + i + " is not finite: (" + x[i] + ", " + y[i] + ")");
            }
            mx += x[i];
            my += y[i];
        }
        mx /= n;
        my /= n;
        double sxx = 0;
        double sxy = 0;
        double syy = 0;
        for (int i = 0; i < n; i++) {
            double dx = x[i] - mx;
            double dy = y[i] - my;
            sxx += dx * dx;
            sxy += dx * dy;
            syy += dy * dy;
        }
        if (sxx == 0) {
            throw new IllegalArgumentException("a line fit needs at least two distinct x values");
        }
        double slope = sxy / sxx;
        double r2 = syy == 0 ? 1 : sxy * sxy / (sxx * syy);
        return new LinearFit(slope, my - slope * mx, r2);
    }

    /** The fitted y at {@code x}. */
    public double at(double x) {
        return intercept + slope * x;
    }
}
