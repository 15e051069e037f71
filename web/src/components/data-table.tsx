/** A figures table with its CSV download: the cells shown are the cells written (table-csv.ts). */
import { useAnalysisText } from '../i18n/analysis-text.js';
import { cellText, type Table, tableCsv } from '../lib/table-csv.js';

/** Offers `text` as a file download. */
export function download(name: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/csv;charset=utf-8' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  URL.revokeObjectURL(url);
}

export function DataTable({
  table,
  headers,
  caption,
  file,
  testId,
}: {
  table: Table;
  /** One header per column, in the page's language. */
  headers: readonly string[];
  caption: string;
  file: string;
  testId: string;
}) {
  const a = useAnalysisText();
  return (
    <>
      <div className="table-wrap">
        <table data-testid={testId}>
          <caption>{caption}</caption>
          <thead>
            <tr>
              {headers.map((h) => (
                <th scope="col" key={h}>
                  {h}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {table.rows.map((row) => (
              <tr key={String(row[0])}>
                {row.map((cell, i) => {
                  const text = cellText(cell);
                  const shown = text === '' ? '—' : text;
                  return i === 0 ? (
                    <th scope="row" key={table.columns[i]}>
                      {shown}
                    </th>
                  ) : (
                    <td key={table.columns[i]}>{shown}</td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <button type="button" onClick={() => download(file, tableCsv(table))}>
        {a('downloadCsv', { table: caption })}
      </button>
    </>
  );
}
