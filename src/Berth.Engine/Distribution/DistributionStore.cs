using Berth.Core.Digests;
using Berth.Engine.Metadata;
using Microsoft.Data.Sqlite;

namespace Berth.Engine.Distribution;

/// <summary>A manifest an image was pulled with (or last pushed as) in one repository; the bytes are in the content store.</summary>
public sealed record ImageManifestRecord(Digest ImageId, string Repository, Digest Manifest, string MediaType);

/// <summary>
/// What the distribution service remembers between pulls and pushes, like dockerd's v2 metadata:
/// which repository each blob came from (for cross-repository mounts), the manifest an image was
/// pulled with (pushed back unchanged, so its digest stays stable), and the gzip blob made for each
/// uncompressed layer (so pushing again yields the same digests).
/// </summary>
public sealed class DistributionStore
{
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS distribution_manifests (
            image_id TEXT NOT NULL,       -- config digest
            repository TEXT NOT NULL,     -- normalised name without tag: docker.io/library/busybox
            manifest TEXT NOT NULL,       -- digest of the manifest bytes in the content store
            media_type TEXT NOT NULL,
            PRIMARY KEY (image_id, repository)
        );
        CREATE TABLE IF NOT EXISTS distribution_blob_sources (
            blob TEXT NOT NULL,           -- a layer or config blob digest as the registry knows it
            repository TEXT NOT NULL,     -- normalised repository name that has it
            PRIMARY KEY (blob, repository)
        );
        CREATE TABLE IF NOT EXISTS distribution_compressed (
            diff_id TEXT PRIMARY KEY,     -- uncompressed layer
            blob TEXT NOT NULL,           -- gzip blob in the content store
            size INTEGER NOT NULL
        );
        """;

    private readonly MetadataStore _db;

    public DistributionStore(MetadataStore db)
    {
        _db = db;
        _db.EnsureSchema(Schema);
    }

    public void RecordManifest(ImageManifestRecord manifest) =>
        Execute("INSERT OR REPLACE INTO distribution_manifests (image_id, repository, manifest, media_type) VALUES ($i, $r, $m, $t)",
            ("$i", manifest.ImageId.ToString()), ("$r", manifest.Repository), ("$m", manifest.Manifest.ToString()), ("$t", manifest.MediaType));

    /// <summary>The manifest the image has in <paramref name="repository"/>, else any manifest it was pulled with.</summary>
    public ImageManifestRecord? FindManifest(Digest imageId, string repository) =>
        Query("SELECT repository, manifest, media_type FROM distribution_manifests WHERE image_id = $i ORDER BY repository = $r DESC LIMIT 1",
            row => new ImageManifestRecord(imageId, row.GetString(0), Digest.Parse(row.GetString(1)), row.GetString(2)),
            ("$i", imageId.ToString()), ("$r", repository)).FirstOrDefault();

    public void RecordSource(Digest blob, string repository) =>
        Execute("INSERT OR IGNORE INTO distribution_blob_sources (blob, repository) VALUES ($b, $r)", ("$b", blob.ToString()), ("$r", repository));

    /// <summary>Repositories known to hold <paramref name="blob"/>.</summary>
    public IReadOnlyList<string> Sources(Digest blob) =>
        Query("SELECT repository FROM distribution_blob_sources WHERE blob = $b ORDER BY repository", row => row.GetString(0), ("$b", blob.ToString()));

    public (Digest Blob, long Size)? FindCompressed(Digest diffId) =>
        Query("SELECT blob, size FROM distribution_compressed WHERE diff_id = $d",
            row => ((Digest Blob, long Size)?)(Digest.Parse(row.GetString(0)), row.GetInt64(1)), ("$d", diffId.ToString())).FirstOrDefault();

    public void RecordCompressed(Digest diffId, Digest blob, long size) =>
        Execute("INSERT OR REPLACE INTO distribution_compressed (diff_id, blob, size) VALUES ($d, $b, $s)",
            ("$d", diffId.ToString()), ("$b", blob.ToString()), ("$s", size));

    /// <summary>Deletes the image's manifest rows; returns the manifest digests they named.</summary>
    public IReadOnlyList<Digest> RemoveManifests(Digest imageId) =>
        Query("DELETE FROM distribution_manifests WHERE image_id = $i RETURNING manifest", row => Digest.Parse(row.GetString(0)), ("$i", imageId.ToString()))
            .Distinct().ToList();

    /// <summary>Whether any manifest row (of any image or repository) names <paramref name="manifest"/>.</summary>
    public bool IsManifestRecorded(Digest manifest) =>
        Exists("SELECT EXISTS (SELECT 1 FROM distribution_manifests WHERE manifest = $v)", manifest);

    /// <summary>Whether <paramref name="blob"/> is the gzip made for any layer.</summary>
    public bool IsCompressedBlob(Digest blob) =>
        Exists("SELECT EXISTS (SELECT 1 FROM distribution_compressed WHERE blob = $v)", blob);

    public void RemoveCompressed(Digest diffId) =>
        Execute("DELETE FROM distribution_compressed WHERE diff_id = $d", ("$d", diffId.ToString()));

    /// <summary>Forgets every repository known to hold <paramref name="blob"/> (for a blob this daemon no longer has).</summary>
    public void RemoveSources(Digest blob) =>
        Execute("DELETE FROM distribution_blob_sources WHERE blob = $b", ("$b", blob.ToString()));

    private bool Exists(string sql, Digest value) =>
        Query(sql, row => row.GetInt64(0) != 0, ("$v", value.ToString())).Single();

    private void Execute(string sql, params (string Name, object Value)[] parameters)
    {
        using var connection = _db.Open();
        using var command = Command(connection, sql, parameters);
        command.ExecuteNonQuery();
    }

    /// <summary>Every row <paramref name="sql"/> yields, each read by <paramref name="read"/>.</summary>
    private List<T> Query<T>(string sql, Func<SqliteDataReader, T> read, params (string Name, object Value)[] parameters)
    {
        using var connection = _db.Open();
        using var command = Command(connection, sql, parameters);
        using var reader = command.ExecuteReader();
        var rows = new List<T>();
        while (reader.Read()) rows.Add(read(reader));
        return rows;
    }

    private static SqliteCommand Command(SqliteConnection connection, string sql, (string Name, object Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
        return command;
    }
}
