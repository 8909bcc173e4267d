import { renderReportHtml, type RunReport } from '../report.js';
import { writeFileAtomic, pngDataUri } from './files.js';

/** Renders `report` and writes it to `path` atomically (temp file, then rename). */
export async function writeRunReport(path: string, report: RunReport): Promise<void> {
  await writeFileAtomic(path, await renderReportHtml(report, { imageToDataUri: pngDataUri }));
}
