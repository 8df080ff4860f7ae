/**
 * Pictures for people: PNG grids of image batches (the SparK reconstruction view: original | masked |
 * reconstruction | reconstruction with visible patches) and loss-curve plots, drawn with Java2D and
 * written atomically.
 */
package dev.sparkj.spark.vis;
