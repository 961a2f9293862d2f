package dev.ntm.cli.viz;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.Rectangle;
import java.util.function.IntFunction;

/**
 * A matrix drawn as coloured cells (row 0 at the top), with a title, axis labels, ticks and a
 * colour bar stating the value range: one row of Fig. 6 of the NTM paper.
 */
public final class HeatmapPanel implements Panel {

    static final int LEFT = 64;
    static final int TOP = 20;
    static final int BOTTOM = 34;
    static final int BAR_GAP = 10;
    static final int BAR_WIDTH = 12;
    static final int RIGHT = BAR_GAP + BAR_WIDTH + 52;

    private final String title;
    private final String xLabel;
    private final String yLabel;
    private final float[] values;
    private final int rows;
    private final int cols;
    private final double min;
    private final double max;
    private final IntFunction<String> rowName;
    private final IntFunction<String> colName;
    private final int cellWidth;
    private final int cellHeight;
    private final ColorMap map = ColorMap.viridis();

    /**
     * @param title      above the plot
     * @param xLabel     below the x axis
     * @param yLabel     beside the y axis
     * @param values     [rows, cols] row-major
     * @param min        value drawn with the map's first colour (and anything below)
     * @param max        value drawn with its last colour (and anything above); > min
     * @param rowName    tick label of a row
     * @param colName    tick label of a column
     * @param cellWidth  pixels per column (>= 1)
     * @param cellHeight pixels per row (>= 1)
     */
    public HeatmapPanel(String title, String xLabel, String yLabel, float[] values, int rows, int cols, double min,
                        double max, IntFunction<String> rowName, IntFunction<String> colName, int cellWidth,
                        int cellHeight) {
        if (rows < 1 || cols < 1 || values.length != rows * cols) {
            throw new IllegalArgumentException("a heatmap needs rows, cols >= 1 and rows * cols values, got " + rows
                    + " x " + cols + " and " + values.length);
        }
        if (!(max > min) || cellWidth < 1 || cellHeight < 1) {
            throw new IllegalArgumentException("a heatmap needs max > min and cells of at least 1 pixel, got [" + min
                    + ", " + max + "], " + cellWidth + " x " + cellHeight);
        }
        this.title = title;
        this.xLabel = xLabel;
        this.yLabel = yLabel;
        this.values = values;
        this.rows = rows;
        this.cols = cols;
        this.min = min;
        this.max = max;
        this.rowName = rowName;
        this.colName = colName;
        this.cellWidth = cellWidth;
        this.cellHeight = cellHeight;
    }

    @Override
    public int width() {
        return LEFT + cols * cellWidth + RIGHT;
    }

    @Override
    public int height() {
        return TOP + rows * cellHeight + BOTTOM;
    }

    /** The pixels of cell (row, col), relative to the panel's top-left corner. */
    public Rectangle cell(int row, int col) {
        return new Rectangle(LEFT + col * cellWidth, TOP + row * cellHeight, cellWidth, cellHeight);
    }

    /** The colour bar, relative to the panel's top-left corner: its top row is {@code max}, its bottom {@code min}. */
    public Rectangle colourBar() {
        return new Rectangle(LEFT + cols * cellWidth + BAR_GAP, TOP, BAR_WIDTH, rows * cellHeight);
    }

    /** Smallest value of the colour range. */
    public double min() {
        return min;
    }

    /** Largest value of the colour range. */
    public double max() {
        return max;
    }

    /** The value a colour found in a cell stands for (the inverse of the colouring, to the table's resolution). */
    public double valueOf(int rgb) {
        return min + map.valueOf(rgb) * (max - min);
    }

    @Override
    public void draw(Graphics2D g, int x, int y) {
        int px = x + LEFT;
        int py = y + TOP;
        int w = cols * cellWidth;
        int h = rows * cellHeight;
        g.setFont(Style.TITLE);
        g.setColor(Style.INK);
        Style.text(g, title, px, y + 14);
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                g.setColor(new Color(map.rgb((values[r * cols + c] - min) / (max - min))));
                g.fillRect(px + c * cellWidth, py + r * cellHeight, cellWidth, cellHeight);
            }
        }
        g.setColor(Style.INK);
        g.drawRect(px - 1, py - 1, w + 1, h + 1);
        g.setFont(Style.TEXT);
        int rowStep = tickStep(rows, cellHeight, 12);
        for (int r = 0; r < rows; r += rowStep) {
            int cy = py + r * cellHeight + cellHeight / 2;
            g.drawLine(px - 4, cy, px - 2, cy);
            Style.rightAligned(g, rowName.apply(r), px - 6, cy);
        }
        int colStep = tickStep(cols, cellWidth, 28);
        for (int c = 0; c < cols; c += colStep) {
            int cx = px + c * cellWidth + cellWidth / 2;
            g.drawLine(cx, py + h + 1, cx, py + h + 3);
            Style.centred(g, colName.apply(c), cx, py + h + 14);
        }
        Style.centred(g, xLabel, px + w / 2, py + h + 29);
        Style.vertical(g, yLabel, x + 10, py + h / 2);
        drawColourBar(g, x, y);
    }

    private void drawColourBar(Graphics2D g, int x, int y) {
        Rectangle bar = colourBar();
        bar.translate(x, y);
        for (int i = 0; i < bar.height; i++) {
            double t = bar.height == 1 ? 1 : 1 - (double) i / (bar.height - 1);
            g.setColor(new Color(map.rgb(t)));
            g.drawLine(bar.x, bar.y + i, bar.x + bar.width - 1, bar.y + i);
        }
        g.setColor(Style.INK);
        g.drawRect(bar.x - 1, bar.y - 1, bar.width + 1, bar.height + 1);
        int labelX = bar.x + bar.width + 4;
        int ascent = g.getFontMetrics().getAscent();
        Style.text(g, Style.number(max), labelX, bar.y + ascent - 2);
        if (bar.height >= 3 * ascent) {
            Style.text(g, Style.number((min + max) / 2), labelX, bar.y + bar.height / 2 + ascent / 2 - 1);
        }
        Style.text(g, Style.number(min), labelX, bar.y + bar.height);
    }

    /** Every how many cells a tick goes so that labels are at least {@code minPixels} apart: 1, 2, 5, 10, 20... */
    static int tickStep(int count, int cellPixels, int minPixels) {
        int[] mantissas = {1, 2, 5};
        for (int scale = 1; ; scale *= 10) {
            for (int m : mantissas) {
                int step = m * scale;
                if (step * cellPixels >= minPixels || step >= count) {
                    return step;
                }
            }
        }
    }
}
