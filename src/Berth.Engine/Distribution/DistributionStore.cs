using Berth.Core.Digests;
using Berth.Engine.Metadata;
using Microsoft.Data.Sqlite;

namespace Berth.Engine.Distribution;

/// <summary>A manifest an image was pulled with (or last pushed as) in one repository; the bytes are in the content store.</summary>
public sealed record StoredManifest(Digest ImageId, string Repository, Digest Manifest, string MediaType);

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

    public void RecordManifest(StoredManifest manifest) =>
        Execute("INSERT OR REPLACE INTO distribution_manifests (image_id, repository, manifest, media_type) VALUES ($i, $r, $m, $t)",
            ("$i", manifest.ImageId.ToString()), ("$r", manifest.Repository), ("$m", manifest.Manifest.ToString()), ("$t", manifest.MediaType));

    /// <summary>The manifest the image has in <paramref name="repository"/>, else any manifest it was pulled with.</summary>
    public StoredManifest? FindManifest(Digest imageId, string repository)
    {
        using var connection = _db.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT repository, manifest, media_type FROM distribution_manifests WHERE image_id = $i ORDER BY repository = $r DESC LIMIT 1";
        command.Parameters.AddWithValue("$i", imageId.ToString());
        command.Parameters.AddWithValue("$r", repository);
        using var reader = command.ExecuteReader();
        return reader.Read() ? new StoredManifest(imageId, reader.GetString(0), Digest.Parse(reader.GetString(1)), reader.GetString(2)) : null;
    }

    public void RecordSource(Digest blob, string repository) =>
        Execute("INSERT OR IGNORE INTO distribution_blob_sources (blob, repository) VALUES ($b, $r)", ("$b", blob.ToString()), ("$r", repository));

    /// <summary>Repositories known to hold <paramref name="blob"/>.</summary>
    public IReadOnlyList<string> Sources(Digest blob)
    {
        using var connection = _db.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT repository FROM distribution_blob_sources WHERE blob = $b ORDER BY repository";
        command.Parameters.AddWithValue("$b", blob.ToString());
        using var reader = command.ExecuteReader();
        var result = new List<string>();
        while (reader.Read()) result.Add(reader.GetString(0));
        return result;
    }

    public (Digest Blob, long Size)? FindCompressed(Digest diffId)
    {
        using var connection = _db.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT blob, size FROM distribution_compressed WHERE diff_id = $d";
        command.Parameters.AddWithValue("$d", diffId.ToString());
        using var reader = command.ExecuteReader();
        return reader.Read() ? (Digest.Parse(reader.GetString(0)), reader.GetInt64(1)) : null;
    }

    public void RecordCompressed(Digest diffId, Digest blob, long size) =>
        Execute("INSERT OR REPLACE INTO distribution_compressed (diff_id, blob, size) VALUES ($d, $b, $s)",
            ("$d", diffId.ToString()), ("$b", blob.ToString()), ("$s", size));

    /// <summary>Deletes the image's manifest rows; returns the manifest digests they named.</summary>
    public IReadOnlyList<Digest> RemoveManifests(Digest imageId)
    {
        using var connection = _db.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "DELETE FROM distribution_manifests WHERE image_id = $i RETURNING manifest";
        command.Parameters.AddWithValue("$i", imageId.ToString());
        using var reader = command.ExecuteReader();
        var result = new List<Digest>();
        while (reader.Read()) result.Add(Digest.Parse(reader.GetString(0)));
        return result.Distinct().ToList();
    }

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

    private bool Exists(string sql, Digest value)
    {
        using var connection = _db.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Parameters.AddWithValue("$v", value.ToString());
        return (long)command.ExecuteScalar()! != 0;
    }

    private void Execute(string sql, params (string Name, object Value)[] parameters)
    {
        using var connection = _db.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
        command.ExecuteNonQuery();
    }
}
