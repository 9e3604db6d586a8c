/**
 * The parts of blessed-contrib 4.11 iscsitop uses (the package ships no types): the line
 * chart and the bar chart, both canvases that must be attached before setData().
 */
declare module "blessed-contrib" {
  import type { Widgets } from "blessed";

  export interface LineSeries {
    title: string;
    x: string[];
    y: number[];
    style?: { line?: string };
  }

  export interface LineOptions extends Omit<Widgets.BoxOptions, "style"> {
    style?: { line?: string; text?: string; baseline?: string; border?: { fg?: string } };
    showLegend?: boolean;
    legend?: { width?: number };
    minY?: number;
    maxY?: number;
    abbreviate?: boolean;
    wholeNumbersOnly?: boolean;
    numYLabels?: number;
    xLabelPadding?: number;
    xPadding?: number;
    showNthLabel?: number;
  }

  export interface LineElement extends Widgets.BoxElement {
    setData(data: LineSeries[]): void;
  }

  export interface BarOptions extends Widgets.BoxOptions {
    barWidth?: number;
    barSpacing?: number;
    xOffset?: number;
    maxHeight?: number;
    barBgColor?: string;
    showText?: boolean;
  }

  export interface BarElement extends Widgets.BoxElement {
    setData(data: { titles: string[]; data: number[] }): void;
  }

  export function line(options?: LineOptions): LineElement;
  export function bar(options?: BarOptions): BarElement;
}
