/**
 * Real queries over the Chinook sample database. Each is run by @db and by real SQLite (sql.js);
 * `ordered` queries are compared row by row, the others as multisets.
 */
export interface ChinookQuery {
  name: string;
  sql: string;
  ordered: boolean;
}

export const CHINOOK_QUERIES: ChinookQuery[] = [
  { name: "row counts", ordered: true, sql: `SELECT (SELECT count(*) FROM Album), (SELECT count(*) FROM Artist), (SELECT count(*) FROM Customer), (SELECT count(*) FROM Employee), (SELECT count(*) FROM Genre), (SELECT count(*) FROM Invoice), (SELECT count(*) FROM InvoiceLine), (SELECT count(*) FROM MediaType), (SELECT count(*) FROM Playlist), (SELECT count(*) FROM PlaylistTrack), (SELECT count(*) FROM Track)` },
  { name: "point lookup by primary key", ordered: true, sql: `SELECT * FROM Track WHERE TrackId = 1234` },
  { name: "unicode text", ordered: true, sql: `SELECT CustomerId, FirstName, LastName, City, Country FROM Customer WHERE Country IN ('Germany', 'Norway', 'Brazil', 'Czech Republic') ORDER BY CustomerId` },
  { name: "join of two tables", ordered: true, sql: `SELECT a.Title, ar.Name FROM Album a JOIN Artist ar ON ar.ArtistId = a.ArtistId WHERE ar.Name LIKE 'A%' ORDER BY a.Title, ar.Name` },
  { name: "five-table join", ordered: true, sql: `SELECT c.LastName, i.InvoiceId, t.Name, g.Name AS Genre, m.Name AS Media FROM Customer c JOIN Invoice i ON i.CustomerId = c.CustomerId JOIN InvoiceLine il ON il.InvoiceId = i.InvoiceId JOIN Track t ON t.TrackId = il.TrackId JOIN Genre g ON g.GenreId = t.GenreId JOIN MediaType m ON m.MediaTypeId = t.MediaTypeId WHERE c.Country = 'France' ORDER BY i.InvoiceId, il.InvoiceLineId` },
  { name: "group by with count and sum", ordered: true, sql: `SELECT BillingCountry, count(*) AS n, sum(Total) AS total FROM Invoice GROUP BY BillingCountry ORDER BY total DESC, BillingCountry` },
  { name: "avg min max per genre", ordered: true, sql: `SELECT g.Name, count(t.TrackId), avg(t.Milliseconds), min(t.Milliseconds), max(t.Milliseconds) FROM Genre g JOIN Track t ON t.GenreId = g.GenreId GROUP BY g.GenreId ORDER BY g.Name` },
  { name: "having", ordered: true, sql: `SELECT ArtistId, count(*) AS albums FROM Album GROUP BY ArtistId HAVING count(*) >= 5 ORDER BY albums DESC, ArtistId` },
  { name: "left join with nulls", ordered: true, sql: `SELECT ar.ArtistId, ar.Name, al.AlbumId FROM Artist ar LEFT JOIN Album al ON al.ArtistId = ar.ArtistId WHERE ar.ArtistId BETWEEN 20 AND 40 ORDER BY ar.ArtistId, al.AlbumId` },
  { name: "left join is null (artists without albums)", ordered: true, sql: `SELECT ar.Name FROM Artist ar LEFT JOIN Album al ON al.ArtistId = ar.ArtistId WHERE al.AlbumId IS NULL ORDER BY ar.Name` },
  { name: "count distinct", ordered: true, sql: `SELECT count(DISTINCT BillingCountry), count(DISTINCT CustomerId), count(BillingState), count(*) FROM Invoice` },
  { name: "scalar subquery", ordered: true, sql: `SELECT Name, Milliseconds FROM Track WHERE Milliseconds > (SELECT avg(Milliseconds) * 4 FROM Track) ORDER BY Milliseconds DESC` },
  { name: "correlated subquery", ordered: true, sql: `SELECT c.CustomerId, c.LastName, (SELECT count(*) FROM Invoice i WHERE i.CustomerId = c.CustomerId) AS invoices, (SELECT max(Total) FROM Invoice i WHERE i.CustomerId = c.CustomerId) AS biggest FROM Customer c ORDER BY c.CustomerId` },
  { name: "in subquery", ordered: true, sql: `SELECT Name FROM Track WHERE TrackId IN (SELECT TrackId FROM PlaylistTrack WHERE PlaylistId = 17) ORDER BY Name` },
  { name: "not in and exists", ordered: true, sql: `SELECT e.EmployeeId, e.LastName FROM Employee e WHERE EXISTS (SELECT 1 FROM Customer c WHERE c.SupportRepId = e.EmployeeId) AND e.EmployeeId NOT IN (1, 2) ORDER BY e.EmployeeId` },
  { name: "not exists", ordered: true, sql: `SELECT g.Name FROM Genre g WHERE NOT EXISTS (SELECT 1 FROM Track t JOIN InvoiceLine il ON il.TrackId = t.TrackId WHERE t.GenreId = g.GenreId) ORDER BY g.Name` },
  { name: "case and arithmetic", ordered: true, sql: `SELECT TrackId, Milliseconds / 60000 AS minutes, Milliseconds % 60000 / 1000 AS seconds, CASE WHEN Milliseconds < 180000 THEN 'short' WHEN Milliseconds < 300000 THEN 'medium' ELSE 'long' END AS len, UnitPrice * 3 AS three, Bytes / 1024.0 AS kb FROM Track WHERE AlbumId = 5 ORDER BY TrackId` },
  { name: "string functions and concatenation", ordered: true, sql: `SELECT FirstName || ' ' || upper(LastName) AS name, length(Email), lower(substr(Email, 1, 5)), replace(Phone, ' ', ''), coalesce(Company, 'n/a'), ifnull(State, '-'), typeof(SupportRepId) FROM Customer WHERE CustomerId <= 15 ORDER BY CustomerId` },
  { name: "like patterns", ordered: true, sql: `SELECT Name FROM Track WHERE Name LIKE '%love%' AND Name NOT LIKE 'I%' ORDER BY Name` },
  { name: "order by position desc, limit offset", ordered: true, sql: `SELECT Name, Milliseconds FROM Track ORDER BY 2 DESC, 1 LIMIT 10 OFFSET 5` },
  { name: "distinct", ordered: true, sql: `SELECT DISTINCT BillingCountry, BillingState FROM Invoice ORDER BY BillingCountry, BillingState` },
  { name: "union", ordered: true, sql: `SELECT City FROM Customer UNION SELECT City FROM Employee ORDER BY City` },
  { name: "union all without order", ordered: false, sql: `SELECT Country FROM Customer UNION ALL SELECT Country FROM Employee` },
  { name: "round and typeof on numeric", ordered: true, sql: `SELECT InvoiceId, Total, typeof(Total), round(Total * 1.1, 2), abs(Total - 10) FROM Invoice WHERE InvoiceId < 20 ORDER BY InvoiceId` },
  { name: "integer division and division by zero", ordered: true, sql: `SELECT 7 / 2, -7 / 2, 7 % 3, 7.0 / 2, 1 / 0, 5 % 0, 10 / 4 * 4` },
  { name: "self join (employee and manager)", ordered: true, sql: `SELECT e.FirstName || ' ' || e.LastName AS employee, m.FirstName || ' ' || m.LastName AS manager FROM Employee e LEFT JOIN Employee m ON m.EmployeeId = e.ReportsTo ORDER BY e.EmployeeId` },
  { name: "top customers by spend", ordered: true, sql: `SELECT c.FirstName, c.LastName, round(sum(i.Total), 2) AS spent FROM Customer c JOIN Invoice i ON i.CustomerId = c.CustomerId GROUP BY c.CustomerId ORDER BY spent DESC, c.CustomerId LIMIT 5` },
  { name: "sales per media type and year", ordered: true, sql: `SELECT m.Name, substr(i.InvoiceDate, 1, 4) AS year, sum(il.UnitPrice * il.Quantity) AS sales FROM InvoiceLine il JOIN Invoice i ON i.InvoiceId = il.InvoiceId JOIN Track t ON t.TrackId = il.TrackId JOIN MediaType m ON m.MediaTypeId = t.MediaTypeId GROUP BY m.Name, year ORDER BY m.Name, year` },
  { name: "playlists with track counts", ordered: true, sql: `SELECT p.PlaylistId, p.Name, count(pt.TrackId) AS tracks FROM Playlist p LEFT JOIN PlaylistTrack pt ON pt.PlaylistId = p.PlaylistId GROUP BY p.PlaylistId, p.Name ORDER BY p.PlaylistId` },
  { name: "comma join", ordered: true, sql: `SELECT al.Title, t.Name FROM Album al, Track t WHERE t.AlbumId = al.AlbumId AND al.AlbumId IN (1, 4, 148) ORDER BY t.TrackId` },
  { name: "null handling", ordered: true, sql: `SELECT count(*), count(Composer), sum(Composer IS NULL), max(Composer IS NOT NULL) FROM Track` },
  { name: "group by expression", ordered: true, sql: `SELECT substr(InvoiceDate, 1, 7) AS month, count(*), round(avg(Total), 4) FROM Invoice GROUP BY substr(InvoiceDate, 1, 7) ORDER BY month LIMIT 12` },
  { name: "between and in on text", ordered: true, sql: `SELECT LastName FROM Customer WHERE LastName BETWEEN 'G' AND 'M' AND Country NOT IN ('USA', 'Canada') ORDER BY LastName` },
  { name: "schema table", ordered: true, sql: `SELECT type, name, tbl_name FROM sqlite_master WHERE type IN ('table', 'index') AND name NOT LIKE 'sqlite_%' ORDER BY type, name` },
];
