using System.Text.Json;

namespace Berth.Daemon.Hosting;

/// <summary>
/// The daemon configuration file (--config-file, dockerd's daemon.json format). Only the keys
/// berthd supports are read: "insecure-registries" and "registry-mirrors". A missing file at the
/// default path is an empty configuration; a malformed one stops the daemon, as with dockerd.
/// </summary>
public sealed record DaemonConfigFile(IReadOnlyList<string> InsecureRegistries, IReadOnlyList<string> RegistryMirrors)
{
    public const string DefaultPath = "/etc/berth/daemon.json";

    public static DaemonConfigFile Empty { get; } = new([], []);

    public static DaemonConfigFile Load(string path, bool mustExist)
    {
        if (!File.Exists(path))
        {
            if (mustExist) throw new InvalidOperationException($"unable to configure the daemon with file {path}: no such file or directory");
            return Empty;
        }
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(path), new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                throw new InvalidOperationException($"unable to configure the daemon with file {path}: not a JSON object");
            return new DaemonConfigFile(Strings(document.RootElement, "insecure-registries", path), Strings(document.RootElement, "registry-mirrors", path));
        }
        catch (JsonException e)
        {
            throw new InvalidOperationException($"unable to configure the daemon with file {path}: {e.Message}");
        }
    }

    private static List<string> Strings(JsonElement root, string key, string path)
    {
        if (!root.TryGetProperty(key, out var value) || value.ValueKind == JsonValueKind.Null) return [];
        if (value.ValueKind != JsonValueKind.Array || value.EnumerateArray().Any(v => v.ValueKind != JsonValueKind.String))
            throw new InvalidOperationException($"unable to configure the daemon with file {path}: \"{key}\" must be a list of strings");
        return value.EnumerateArray().Select(v => v.GetString()!).ToList();
    }
}
