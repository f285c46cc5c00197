using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Berth.EngineApi.Models;

namespace Berth.Cli.Auth;

/// <summary>The client configuration file could not be read or written.</summary>
public sealed class ClientConfigException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// The docker CLI's client configuration, <c>config.json</c>, shared with it: berth reads and
/// writes the same file so one <c>login</c> serves both. Only <c>auths</c> is interpreted; every
/// other key (credsStore, credHelpers, psFormat, proxies, …) is kept exactly as found, and the
/// file is rewritten the way docker writes it (tab-indented, mode 0600, replaced atomically).
/// </summary>
/// <remarks>
/// Directory: <c>--config</c>, else <c>BERTH_CONFIG</c>, else <c>DOCKER_CONFIG</c>, else
/// <c>~/.docker</c>. BERTH_CONFIG comes first for the same reason BERTH_HOST does: a shell set
/// up for docker can still give berth a configuration of its own.
/// </remarks>
public sealed class ClientConfig
{
    public const string FileName = "config.json";

    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Indented = true,
        IndentCharacter = '\t',
        IndentSize = 1,
        // Go's encoder leaves '+', '/' and non-ASCII alone; base64 values must read the same in both.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private readonly JsonObject _root;

    private ClientConfig(string path, JsonObject root)
    {
        FilePath = path;
        _root = root;
    }

    public string FilePath { get; }

    public static string ResolveDirectory(string? flag, Func<string, string?> env) =>
        flag is { Length: > 0 } f ? f
        : env("BERTH_CONFIG") is { Length: > 0 } b ? b
        : env("DOCKER_CONFIG") is { Length: > 0 } d ? d
        : Path.Combine(env("HOME") is { Length: > 0 } home ? home : Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".docker");

    /// <summary>Reads <c>DIRECTORY/config.json</c>; a missing or empty file is an empty configuration.</summary>
    /// <exception cref="ClientConfigException">The file exists but is not a JSON object.</exception>
    public static ClientConfig Load(string directory)
    {
        var path = Path.Combine(directory, FileName);
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return new ClientConfig(path, []);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ClientConfigException($"loading config file: {path}: {e.Message}", e);
        }
        if (string.IsNullOrWhiteSpace(text))
        {
            return new ClientConfig(path, []);
        }
        try
        {
            return JsonNode.Parse(text) is JsonObject root
                ? new ClientConfig(path, root)
                : throw new ClientConfigException($"loading config file: {path}: not a JSON object");
        }
        catch (JsonException e)
        {
            throw new ClientConfigException($"loading config file: {path}: {e.Message}", e);
        }
    }

    /// <summary>The credential helper for <paramref name="server"/>: credHelpers[server], else credsStore, else null (the file itself).</summary>
    public string? CredentialHelper(string server) =>
        _root["credHelpers"] is JsonObject helpers && helpers[server] is JsonValue v && v.TryGetValue<string>(out var name) && name.Length > 0 ? name
        : _root["credsStore"] is JsonValue s && s.TryGetValue<string>(out var store) && store.Length > 0 ? store
        : null;

    /// <summary>
    /// The credentials filed under <paramref name="server"/> (or, like docker's file store, under a
    /// key whose host is <paramref name="server"/>, e.g. a legacy "https://host/v1/" key); null when none.
    /// </summary>
    public AuthConfig? GetAuth(string server)
    {
        if (_root["auths"] is not JsonObject auths)
        {
            return null;
        }
        var key = auths.ContainsKey(server) ? server : auths.Select(p => p.Key).FirstOrDefault(k => ServerAddress.ConvertToHostname(k) == server);
        return key is not null && auths[key] is JsonObject entry ? Decode(key, entry) : null;
    }

    /// <summary>True when <c>auths</c> has <paramref name="server"/> itself as a key (not just a key with that host).</summary>
    public bool HasExactKey(string server) => _root["auths"] is JsonObject auths && auths.ContainsKey(server);

    /// <summary>Files credentials under <c>auths[auth.ServerAddress]</c> as docker does: user and password folded into "auth".</summary>
    public void SetAuth(AuthConfig auth)
    {
        var entry = new JsonObject();
        if (!string.IsNullOrEmpty(auth.Username) || !string.IsNullOrEmpty(auth.Password))
        {
            entry["auth"] = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{auth.Username}:{auth.Password}"));
        }
        if (auth.Email is { Length: > 0 } email) entry["email"] = email;
        if (auth.IdentityToken is { Length: > 0 } identity) entry["identitytoken"] = identity;
        if (auth.RegistryToken is { Length: > 0 } token) entry["registrytoken"] = token;
        Auths()[auth.ServerAddress ?? throw new ArgumentException("no server address", nameof(auth))] = entry;
    }

    /// <summary>Files an empty entry, as docker does for servers whose secrets live in a credential helper.</summary>
    public void SetHelperEntry(string server) => Auths()[server] = new JsonObject();

    /// <summary>Removes <c>auths[server]</c>; false when there was none.</summary>
    public bool RemoveAuth(string server) => _root["auths"] is JsonObject auths && auths.Remove(server);

    /// <summary>Writes the file: a temp file beside it (0600), fsync, rename over the old one.</summary>
    public void Save()
    {
        var directory = Path.GetDirectoryName(FilePath)!;
        try
        {
            Directory.CreateDirectory(directory);
            var temp = Path.Combine(directory, $".{FileName}.{Environment.ProcessId}.tmp");
            using (var file = new FileStream(temp, new FileStreamOptions
                   {
                       Mode = FileMode.Create, Access = FileAccess.Write,
                       UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
                   }))
            {
                using (var writer = new Utf8JsonWriter(file, WriterOptions))
                {
                    _root.WriteTo(writer);
                }
                file.Flush(flushToDisk: true);
            }
            File.Move(temp, FilePath, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ClientConfigException($"saving config file: {e.Message}", e);
        }
    }

    private JsonObject Auths()
    {
        if (_root["auths"] is JsonObject auths)
        {
            return auths;
        }
        var created = new JsonObject();
        _root["auths"] = created;
        return created;
    }

    private static AuthConfig Decode(string key, JsonObject entry)
    {
        string? Get(string name) => entry[name] is JsonValue v && v.TryGetValue<string>(out var s) && s.Length > 0 ? s : null;
        var username = Get("username");
        var password = Get("password");
        if (Get("auth") is { } encoded)
        {
            string decoded;
            try
            {
                decoded = Encoding.UTF8.GetString(Convert.FromBase64String(encoded));
            }
            catch (FormatException e)
            {
                throw new ClientConfigException($"invalid auth configuration file: {key}: {e.Message}", e);
            }
            var colon = decoded.IndexOf(':');
            if (colon < 0)
            {
                throw new ClientConfigException("invalid auth configuration file");
            }
            (username, password) = (decoded[..colon], decoded[(colon + 1)..].Trim('\0'));
        }
        return new AuthConfig
        {
            Username = username,
            Password = password,
            Email = Get("email"),
            ServerAddress = key,
            IdentityToken = Get("identitytoken"),
            RegistryToken = Get("registrytoken"),
        };
    }
}
