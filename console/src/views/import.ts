import type { View } from "../context";

export const renderImport: View = () => {};
