import type { View } from "../context";

export const renderExport: View = () => {};
