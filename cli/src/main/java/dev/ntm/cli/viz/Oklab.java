package dev.ntm.cli.viz;

/**
 * Conversions between sRGB and Oklab (Björn Ottosson, "A perceptual color space for image
 * processing", 2020), with the matrices he published, and the sRGB transfer curve (IEC 61966-2-1).
 */
final class Oklab {

    private Oklab() {
    }

    /** {L, a, b} of the 0xRRGGBB colour. */
    static double[] fromRgb(int rgb) {
        double r = toLinear(((rgb >> 16) & 0xFF) / 255.0);
        double g = toLinear(((rgb >> 8) & 0xFF) / 255.0);
        double b = toLinear((rgb & 0xFF) / 255.0);
        double l = Math.cbrt(0.4122214708 * r + 0.5363325363 * g + 0.0514459929 * b);
        double m = Math.cbrt(0.2119034982 * r + 0.6806995451 * g + 0.1073969566 * b);
        double s = Math.cbrt(0.0883024619 * r + 0.2817188376 * g + 0.6299787005 * b);
        return new double[] {
                0.2104542553 * l + 0.7936177850 * m - 0.0040720468 * s,
                1.9779984951 * l - 2.4285922050 * m + 0.4505937099 * s,
                0.0259040371 * l + 0.7827717662 * m - 0.8086757660 * s};
    }

    /** The 0xRRGGBB colour of {L, a, b}, each channel clamped to the sRGB gamut. */
    static int toRgb(double[] lab) {
        double l = cube(lab[0] + 0.3963377774 * lab[1] + 0.2158037573 * lab[2]);
        double m = cube(lab[0] - 0.1055613458 * lab[1] - 0.0638541728 * lab[2]);
        double s = cube(lab[0] - 0.0894841775 * lab[1] - 1.2914855480 * lab[2]);
        int r = channel(4.0767416621 * l - 3.3077115913 * m + 0.2309699292 * s);
        int g = channel(-1.2684380046 * l + 2.6097574011 * m - 0.3413193965 * s);
        int b = channel(-0.0041960863 * l - 0.7034186147 * m + 1.7076147010 * s);
        return (r << 16) | (g << 8) | b;
    }

    private static double cube(double x) {
        return x * x * x;
    }

    private static double toLinear(double c) {
        return c <= 0.04045 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    }

    private static int channel(double linear) {
        double c = linear <= 0.0031308 ? 12.92 * linear : 1.055 * Math.pow(linear, 1 / 2.4) - 0.055;
        return (int) Math.round(Math.max(0, Math.min(1, c)) * 255);
    }
}
