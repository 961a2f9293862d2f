package dev.ntm.cli.viz;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.geom.AffineTransform;

/** Fonts, colours and text helpers shared by the panels, so every figure looks alike. */
final class Style {

    static final Font TEXT = new Font(Font.SANS_SERIF, Font.PLAIN, 11);
    static final Font TITLE = new Font(Font.SANS_SERIF, Font.BOLD, 12);
    static final Font FIGURE_TITLE = new Font(Font.SANS_SERIF, Font.BOLD, 14);
    static final Color INK = new Color(0x222222);
    static final Color GRID = new Color(0xDDDDDD);
    static final Color BACKGROUND = Color.WHITE;

    private Style() {
    }

    /** Draws {@code s} with its left end at x and its baseline at y. */
    static void text(Graphics2D g, String s, int x, int y) {
        g.drawString(s, x, y);
    }

    /** Draws {@code s} centred horizontally on x, baseline at y. */
    static void centred(Graphics2D g, String s, int x, int y) {
        g.drawString(s, x - g.getFontMetrics().stringWidth(s) / 2, y);
    }

    /** Draws {@code s} with its right end at x, vertically centred on y. */
    static void rightAligned(Graphics2D g, String s, int x, int y) {
        g.drawString(s, x - g.getFontMetrics().stringWidth(s), y + g.getFontMetrics().getAscent() / 2 - 1);
    }

    /** Draws {@code s} rotated a quarter turn anticlockwise, centred on (x, y): a y-axis label. */
    static void vertical(Graphics2D g, String s, int x, int y) {
        AffineTransform saved = g.getTransform();
        g.translate(x, y);
        g.rotate(-Math.PI / 2);
        centred(g, s, 0, g.getFontMetrics().getAscent() / 2);
        g.setTransform(saved);
    }

    /** Formats a tick or bar value compactly: 3 significant digits, no trailing zeros. */
    static String number(double v) {
        if (v == 0) {
            return "0";
        }
        double a = Math.abs(v);
        if (a >= 1e5 || a < 1e-3) {
            return String.format(java.util.Locale.ROOT, "%.0e", v);
        }
        String s = String.format(java.util.Locale.ROOT, a >= 100 ? "%.0f" : a >= 10 ? "%.1f" : a >= 1 ? "%.2f" : "%.3f", v);
        if (s.contains(".")) {
            s = s.replaceAll("0+$", "").replaceAll("\\.$", "");
        }
        return s;
    }
}
