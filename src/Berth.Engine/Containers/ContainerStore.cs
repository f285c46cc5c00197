using System.Text.Json;
using Berth.Core.Errors;
using Berth.Engine.Metadata;
using Microsoft.Data.Sqlite;

namespace Berth.Engine.Containers;

/// <summary>
/// Persists containers in the metadata DB: one row per container, its record as JSON, the
/// name in its own UNIQUE column so two creates can never take the same name.
/// </summary>
public sealed class ContainerStore
{
    private readonly MetadataStore _metadata;

    public ContainerStore(MetadataStore metadata)
    {
        _metadata = metadata;
        metadata.EnsureSchema("""
            CREATE TABLE IF NOT EXISTS containers (
                id      TEXT PRIMARY KEY,
                name    TEXT NOT NULL UNIQUE,
                image   TEXT NOT NULL,
                data    TEXT NOT NULL
            );
            """);
    }

    public IReadOnlyList<Container> LoadAll()
    {
        using var connection = _metadata.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT data FROM containers";
        using var reader = command.ExecuteReader();
        var result = new List<Container>();
        while (reader.Read())
            result.Add(Deserialize(reader.GetString(0)));
        return result;
    }

    /// <summary>Inserts a new container; ConflictException when its name is taken.</summary>
    public void Insert(Container container)
    {
        using var connection = _metadata.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "INSERT INTO containers (id, name, image, data) VALUES ($id, $name, $image, $data)";
        Bind(command, container);
        try
        {
            command.ExecuteNonQuery();
        }
        catch (SqliteException e) when (e.SqliteErrorCode == 19 /* SQLITE_CONSTRAINT */)
        {
            throw new ConflictException($"Conflict. The container name \"/{container.Name}\" is already in use. You have to remove (or rename) that container to be able to reuse that name.");
        }
    }

    /// <summary>Saves the record (state changes, rename).</summary>
    public void Update(Container container)
    {
        using var connection = _metadata.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "UPDATE containers SET name = $name, image = $image, data = $data WHERE id = $id";
        Bind(command, container);
        command.ExecuteNonQuery();
    }

    public void Delete(string id)
    {
        using var connection = _metadata.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "DELETE FROM containers WHERE id = $id";
        command.Parameters.AddWithValue("$id", id);
        command.ExecuteNonQuery();
    }

    private static void Bind(SqliteCommand command, Container container)
    {
        command.Parameters.AddWithValue("$id", container.Id);
        command.Parameters.AddWithValue("$name", container.Name);
        command.Parameters.AddWithValue("$image", container.ImageId.ToString());
        command.Parameters.AddWithValue("$data", JsonSerializer.Serialize(container, ContainerJsonContext.Default.Container));
    }

    private static Container Deserialize(string json) =>
        JsonSerializer.Deserialize(json, ContainerJsonContext.Default.Container)
        ?? throw new InvalidDataException("empty container record");
}
