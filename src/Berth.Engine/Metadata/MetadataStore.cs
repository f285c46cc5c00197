using Berth.Core.Interop;
using Microsoft.Data.Sqlite;

namespace Berth.Engine.Metadata;

/// <summary>
/// The daemon's one SQLite database (berth.db, WAL mode). Each service owns its tables and
/// creates them on startup with <see cref="EnsureSchema"/>; multi-row changes go in a transaction
/// so no half-made object becomes visible.
/// </summary>
public sealed class MetadataStore : IDisposable
{
    private readonly string _connectionString;

    public MetadataStore(string databasePath)
    {
        // 0600 before SQLite creates it: it gives the -wal and -shm files the database's mode.
        if (databasePath != ":memory:" && !File.Exists(databasePath))
            using (new FileStream(databasePath, FileModes.Create(FileMode.OpenOrCreate, FileAccess.ReadWrite, FileModes.PrivateFile, FileShare.ReadWrite))) { }
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = databasePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
        using var connection = Open();
        Execute(connection, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;");
    }

    /// <summary>Opens a pooled connection; dispose it when done.</summary>
    public SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        using var pragma = connection.CreateCommand();
        pragma.CommandText = "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=30000; PRAGMA cache_size=-512;";
        pragma.ExecuteNonQuery();
        return connection;
    }

    /// <summary>Runs idempotent DDL (CREATE TABLE IF NOT EXISTS …) for one service.</summary>
    public void EnsureSchema(string ddl)
    {
        using var connection = Open();
        Execute(connection, ddl);
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    public void Dispose() => SqliteConnection.ClearAllPools();
}
