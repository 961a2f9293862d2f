package dev.ntm.cli.viz;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.Stroke;
import java.util.List;

/**
 * Lines against a linear x axis and a logarithmic y axis, with a legend on the right. Values at or
 * below the axis floor (zero included) are drawn on the floor, which the y label states.
 */
public final class ChartPanel implements Panel {

    static final int LEFT = 70;
    static final int TOP = 22;
    static final int BOTTOM = 38;
    static final int LEGEND = 190;

    /**
     * One line.
     *
     * @param label   in the legend
     * @param colour  0xRRGGBB
     * @param dashed  dashed instead of solid
     * @param x       x values
     * @param y       y values (same length)
     * @param markers per point: 0 none, 1 a filled dot, 2 a hollow one (null: none)
     */
    public record Series(String label, int colour, boolean dashed, double[] x, double[] y, int[] markers) {
        public Series {
            if (x.length != y.length || (markers != null && markers.length != x.length)) {
                throw new IllegalArgumentException("a series needs as many x as y values (and markers)");
            }
        }
    }

    /** A horizontal reference line at {@code y}. */
    public record Level(String label, double y, int colour) {
    }

    private final String title;
    private final String xLabel;
    private final String yLabel;
    private final List<Series> series;
    private final List<Level> levels;
    private final List<String> notes;
    private final int plotWidth;
    private final int plotHeight;
    private final double xMin;
    private final double xMax;
    private final double xStep;
    private final double yMinLog;
    private final double yMaxLog;

    /**
     * @param floor smallest y shown; smaller values (and zero) are drawn on it
     * @param notes extra legend lines (explanations of markers)
     */
    public ChartPanel(String title, String xLabel, String yLabel, List<Series> series, List<Level> levels,
                      List<String> notes, double floor, int plotWidth, int plotHeight) {
        this.title = title;
        this.xLabel = xLabel;
        this.yLabel = yLabel;
        this.series = List.copyOf(series);
        this.levels = List.copyOf(levels);
        this.notes = List.copyOf(notes);
        this.plotWidth = plotWidth;
        this.plotHeight = plotHeight;
        double x0 = Double.POSITIVE_INFINITY;
        double x1 = Double.NEGATIVE_INFINITY;
        double y1 = floor;
        for (Series s : series) {
            for (int i = 0; i < s.x.length; i++) {
                x0 = Math.min(x0, s.x[i]);
                x1 = Math.max(x1, s.x[i]);
                if (Double.isFinite(s.y[i])) {
                    y1 = Math.max(y1, s.y[i]);
                }
            }
        }
        for (Level l : levels) {
            y1 = Math.max(y1, l.y);
        }
        if (!(x1 > x0)) {
            x0 = Double.isFinite(x0) ? x0 - 1 : 0;
            x1 = x0 + 2;
        }
        this.xMin = 0;
        this.xStep = niceStep(x1);
        this.xMax = Math.ceil(x1 / xStep) * xStep;
        this.yMinLog = Math.floor(Math.log10(floor));
        this.yMaxLog = Math.max(yMinLog + 1, Math.ceil(Math.log10(y1)));
    }

    @Override
    public int width() {
        return LEFT + plotWidth + LEGEND;
    }

    @Override
    public int height() {
        return TOP + plotHeight + BOTTOM;
    }

    /** Pixel column of {@code x}, relative to the panel. */
    public int px(double x) {
        return LEFT + (int) Math.round((x - xMin) / (xMax - xMin) * plotWidth);
    }

    /** Pixel row of {@code y}, relative to the panel (values at or below the floor on the floor). */
    public int py(double y) {
        double l = y > 0 ? Math.max(yMinLog, Math.log10(y)) : yMinLog;
        return TOP + plotHeight - (int) Math.round((l - yMinLog) / (yMaxLog - yMinLog) * plotHeight);
    }

    @Override
    public void draw(Graphics2D g, int x, int y) {
        Object aa = g.getRenderingHint(RenderingHints.KEY_ANTIALIASING);
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setFont(Style.TITLE);
        g.setColor(Style.INK);
        Style.text(g, title, x + LEFT, y + 15);
        g.setFont(Style.TEXT);
        int left = x + LEFT;
        int top = y + TOP;
        for (double d = yMinLog; d <= yMaxLog; d++) {
            int gy = y + py(Math.pow(10, d));
            g.setColor(Style.GRID);
            g.drawLine(left, gy, left + plotWidth, gy);
            g.setColor(Style.INK);
            Style.rightAligned(g, Style.number(Math.pow(10, d)), left - 5, gy);
        }
        for (double t = xMin; t <= xMax + xStep / 2; t += xStep) {
            int gx = x + px(t);
            g.setColor(Style.GRID);
            g.drawLine(gx, top, gx, top + plotHeight);
            g.setColor(Style.INK);
            Style.centred(g, String.format(java.util.Locale.ROOT, "%,.0f", t), gx, top + plotHeight + 14);
        }
        g.setColor(Style.INK);
        g.drawRect(left, top, plotWidth, plotHeight);
        Style.centred(g, xLabel, left + plotWidth / 2, top + plotHeight + 30);
        Style.vertical(g, yLabel, x + 12, top + plotHeight / 2);
        Stroke saved = g.getStroke();
        for (Level l : levels) {
            g.setColor(new Color(l.colour));
            g.setStroke(dashed(1.5f));
            int ly = y + py(l.y);
            g.drawLine(left, ly, left + plotWidth, ly);
        }
        g.setClip(left, top - 4, plotWidth + 1, plotHeight + 9);
        for (Series s : series) {
            g.setColor(new Color(s.colour));
            g.setStroke(s.dashed ? dashed(1.2f) : new BasicStroke(1.8f));
            for (int i = 1; i < s.x.length; i++) {
                g.drawLine(x + px(s.x[i - 1]), y + py(s.y[i - 1]), x + px(s.x[i]), y + py(s.y[i]));
            }
            g.setStroke(new BasicStroke(1.2f));
            for (int i = 0; s.markers != null && i < s.x.length; i++) {
                int mx = x + px(s.x[i]);
                int my = y + py(s.y[i]);
                if (s.markers[i] == 1) {
                    g.fillOval(mx - 3, my - 3, 7, 7);
                } else if (s.markers[i] == 2) {
                    g.setColor(Color.WHITE);
                    g.fillOval(mx - 3, my - 3, 7, 7);
                    g.setColor(new Color(s.colour));
                    g.drawOval(mx - 3, my - 3, 6, 6);
                }
            }
        }
        g.setClip(null);
        g.setStroke(saved);
        drawLegend(g, x + LEFT + plotWidth + 12, top);
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, aa);
    }

    private void drawLegend(Graphics2D g, int lx, int ly) {
        int line = 15;
        int at = ly + 8;
        Stroke saved = g.getStroke();
        for (Series s : series) {
            g.setColor(new Color(s.colour));
            g.setStroke(s.dashed ? dashed(1.2f) : new BasicStroke(1.8f));
            g.drawLine(lx, at - 4, lx + 20, at - 4);
            g.setColor(Style.INK);
            Style.text(g, s.label, lx + 26, at);
            at += line;
        }
        for (Level l : levels) {
            g.setColor(new Color(l.colour));
            g.setStroke(dashed(1.5f));
            g.drawLine(lx, at - 4, lx + 20, at - 4);
            g.setColor(Style.INK);
            Style.text(g, l.label, lx + 26, at);
            at += line;
        }
        g.setStroke(saved);
        for (String n : notes) {
            Style.text(g, n, lx, at);
            at += line;
        }
    }

    private static BasicStroke dashed(float width) {
        return new BasicStroke(width, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {5f, 4f}, 0f);
    }

    /** A round number of the form 1, 2 or 5 times a power of ten, near a fifth of {@code span}. */
    static double niceStep(double span) {
        double raw = span / 5;
        double p = Math.pow(10, Math.floor(Math.log10(raw)));
        double m = raw / p;
        return (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * p;
    }
}
