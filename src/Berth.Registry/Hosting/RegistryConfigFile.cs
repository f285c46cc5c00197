using Berth.Registry.Auth;
using Berth.Registry.Observability;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Berth.Registry.Hosting;

/// <summary>
/// Reads the YAML config file (<c>--config</c>): the subset of distribution's config.yml that
/// berth-registry implements, plus auth.token's access rules. Read through YamlDotNet's node model
/// (no reflection, so NativeAOT-safe). Relative paths are relative to the file's directory.
/// Keys distribution knows but berth-registry does not implement are reported through
/// <c>warn</c> and ignored, so an existing distribution config still starts; other storage
/// drivers, other auth methods and misspelled keys of implemented sections are errors.
/// </summary>
public sealed class RegistryConfigFile
{
    private static readonly HashSet<string> IgnoredDistributionKeys =
    [
        "version", "log.formatter", "log.fields", "log.hooks", "log.reportcaller", "http.host", "http.prefix", "http.secret",
        "http.relativeurls", "http.draintimeout", "http.headers", "http.http2", "http.h2c", "http.net", "http.tls.clientcas",
        "http.tls.letsencrypt", "http.tls.minimumtls", "http.tls.cipher", "http.debug.prometheus", "storage.cache",
        "storage.redirect", "storage.maintenance.uploadpurging", "storage.tag", "auth.token.rootcertbundle",
        "auth.token.autoredirect", "auth.token.jwks", "auth.token.signingalgorithms", "notifications", "redis", "health",
        "proxy", "validation", "compatibility", "middleware", "reporting", "loglevel",
    ];

    private readonly string _file;
    private readonly string _directory;
    private readonly Action<string> _warn;
    private RegistryServerOptions _options;
    private bool _hasHtpasswd;
    private bool _hasToken;

    private RegistryConfigFile(string file, RegistryServerOptions options, Action<string> warn)
    {
        _file = file;
        _directory = Path.GetDirectoryName(Path.GetFullPath(file)) ?? "/";
        _options = options;
        _warn = warn;
    }

    /// <summary>Applies the file at <paramref name="path"/> to <paramref name="options"/>; FormatException names the bad key.</summary>
    public static RegistryServerOptions Apply(RegistryServerOptions options, string path, Action<string> warn)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new FormatException($"config {path}: {e.Message}");
        }
        var yaml = new YamlStream();
        try
        {
            yaml.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            throw new FormatException($"config {path}: line {e.Start.Line}: {e.Message}");
        }
        var reader = new RegistryConfigFile(path, options, warn);
        if (yaml.Documents.Count > 0 && yaml.Documents[0].RootNode is not YamlScalarNode { Value: null or "" })
            reader.Root(yaml.Documents[0].RootNode);
        return reader._options;
    }

    private void Root(YamlNode node)
    {
        foreach (var (key, value, at) in Entries(node, ""))
        {
            switch (key)
            {
                case "log": Log(value, at); break;
                case "http": Http(value, at); break;
                case "storage": Storage(value, at); break;
                case "auth": AuthSection(value, at); break;
                default: Unknown(at); break;
            }
        }
        if (_hasToken) _options = _options with { Auth = AuthMode.Token };
        else if (_hasHtpasswd) _options = _options with { Auth = AuthMode.Htpasswd };
    }

    private void Log(YamlNode node, string path)
    {
        foreach (var (key, value, at) in Entries(node, path))
        {
            if (key == "level") _options = _options with { LogLevel = Parse(value, at, RegistryLog.ParseLevel) };
            else if (key == "accesslog")
            {
                foreach (var (k, v, a) in Entries(value, at))
                    if (k == "disabled") _options = _options with { AccessLog = !Parse(v, a, Units.ParseBool) };
                    else Unknown(a);
            }
            else Unknown(at);
        }
    }

    private void Http(YamlNode node, string path)
    {
        string? certificate = null, key = null;
        foreach (var (name, value, at) in Entries(node, path))
        {
            switch (name)
            {
                case "addr": _options = _options with { Endpoint = Parse(value, at, RegistryServerOptions.ParseAddress) }; break;
                case "maxuploadsize": _options = _options with { MaxUploadSize = Parse(value, at, Units.ParseSize) }; break;
                case "tls":
                    foreach (var (k, v, a) in Entries(value, at))
                        if (k == "certificate") certificate = FilePath(v, a);
                        else if (k == "key") key = FilePath(v, a);
                        else Unknown(a);
                    break;
                case "debug":
                    foreach (var (k, v, a) in Entries(value, at))
                        if (k == "addr") _options = _options with { MetricsEndpoint = Parse(v, a, RegistryServerOptions.ParseAddress) };
                        else if (k == "prometheus") Prometheus(v, a);
                        else Unknown(a);
                    break;
                default: Unknown(at); break;
            }
        }
        if (certificate is null != key is null) throw Error($"{path}.tls", "needs both certificate and key");
        if (certificate is not null) _options = _options with { Tls = new TlsFiles(certificate, key!) };
    }

    private void Prometheus(YamlNode node, string path)
    {
        foreach (var (key, value, at) in Entries(node, path))
        {
            if (key == "path")
            {
                var metricsPath = Scalar(value, at);
                if (!metricsPath.StartsWith('/')) throw Error(at, "must start with /");
                _options = _options with { MetricsPath = metricsPath };
            }
            else if (key != "enabled") Unknown(at); // metrics are served whenever debug.addr is set
        }
    }

    private void Storage(YamlNode node, string path)
    {
        foreach (var (key, value, at) in Entries(node, path))
        {
            switch (key)
            {
                case "filesystem":
                    foreach (var (k, v, a) in Entries(value, at))
                        if (k == "rootdirectory") _options = _options with { Root = FilePath(v, a) };
                        else if (k != "maxthreads") Unknown(a);
                    break;
                case "delete":
                    foreach (var (k, v, a) in Entries(value, at))
                        if (k == "enabled") _options = _options with { DeleteEnabled = Parse(v, a, Units.ParseBool) };
                        else Unknown(a);
                    break;
                case "maintenance":
                    foreach (var (k, v, a) in Entries(value, at))
                        if (k == "readonly") ReadOnly(v, a);
                        else Unknown(a);
                    break;
                case "s3" or "azure" or "gcs" or "swift" or "oss" or "inmemory":
                    throw Error(at, $"storage driver \"{key}\" is not supported (only filesystem)");
                default: Unknown(at); break;
            }
        }
    }

    private void ReadOnly(YamlNode node, string path)
    {
        foreach (var (key, value, at) in Entries(node, path))
            if (key == "enabled") _options = _options with { ReadOnly = Parse(value, at, Units.ParseBool) };
            else Unknown(at);
    }

    private void AuthSection(YamlNode node, string path)
    {
        foreach (var (key, value, at) in Entries(node, path))
        {
            switch (key)
            {
                case "htpasswd":
                    _hasHtpasswd = true;
                    foreach (var (k, v, a) in Entries(value, at))
                        if (k == "path") _options = _options with { HtpasswdPath = FilePath(v, a) };
                        else if (k == "realm") _options = _options with { BasicRealm = Scalar(v, a) };
                        else Unknown(a);
                    break;
                case "token":
                    _hasToken = true;
                    _options = _options with { Token = Token(value, at) };
                    break;
                case "silly":
                    throw Error(at, "auth method \"silly\" is not supported (use htpasswd or token)");
                default: Unknown(at); break;
            }
        }
    }

    private TokenSettings Token(YamlNode node, string path)
    {
        var token = _options.Token;
        foreach (var (key, value, at) in Entries(node, path))
        {
            token = key switch
            {
                "realm" => token with { Realm = Parse(value, at, AbsoluteUrl) },
                "service" => token with { Service = Scalar(value, at) },
                "issuer" => token with { Issuer = Scalar(value, at) },
                "expiration" => token with { Expiration = Parse(value, at, Units.ParseDuration) },
                "signingkey" => token with { SigningKeyPath = FilePath(value, at) },
                "anonymouspull" => token with { AnonymousPull = Parse(value, at, Units.ParseBool) },
                "access" => token with { Rules = Rules(value, at) },
                _ => UnknownThen(at, token),
            };
        }
        return token;
    }

    private List<AccessRule> Rules(YamlNode node, string path)
    {
        if (node is not YamlSequenceNode sequence) throw Error(path, "expected a list of rules");
        var rules = new List<AccessRule>();
        for (var i = 0; i < sequence.Children.Count; i++)
        {
            var at = $"{path}[{i}]";
            string? account = null, repository = null;
            var actions = new List<string>();
            var catalog = false;
            foreach (var (key, value, a) in Entries(sequence.Children[i], at))
            {
                switch (key)
                {
                    case "account": account = Scalar(value, a); break;
                    case "repository": repository = Scalar(value, a); break;
                    case "catalog": catalog = Parse(value, a, Units.ParseBool); break;
                    case "actions":
                        if (value is not YamlSequenceNode list) throw Error(a, "expected a list such as [pull, push]");
                        foreach (var item in list.Children)
                        {
                            var action = Scalar(item, a);
                            if (!AccessRule.KnownActions.Contains(action)) throw Error(a, $"unknown action \"{action}\" (pull, push, delete or *)");
                            actions.Add(action);
                        }
                        break;
                    default: throw Error(a, "unknown key (account, repository, actions, catalog)");
                }
            }
            if (string.IsNullOrEmpty(account)) throw Error(at, "needs an account (a user, * or anonymous)");
            rules.Add(new AccessRule(account, repository ?? "*", actions, catalog));
        }
        return rules;
    }

    private static string AbsoluteUrl(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? value
            : throw new FormatException($"\"{value}\" is not an absolute http(s) URL");

    private string FilePath(YamlNode node, string path) => Path.GetFullPath(Scalar(node, path), _directory);

    private T Parse<T>(YamlNode node, string path, Func<string, T> parse)
    {
        try
        {
            return parse(Scalar(node, path));
        }
        catch (FormatException e) when (!e.Message.StartsWith("config ", StringComparison.Ordinal))
        {
            throw Error(path, e.Message);
        }
    }

    private string Scalar(YamlNode node, string path) =>
        node is YamlScalarNode { Value: { } value } ? value : throw Error(path, "expected a single value");

    private IEnumerable<(string Key, YamlNode Value, string Path)> Entries(YamlNode node, string path)
    {
        // An empty section ("delete:" with nothing under it) is a null scalar: no entries.
        if (node is YamlScalarNode { Value: null or "" }) yield break;
        if (node is not YamlMappingNode mapping) throw Error(path.Length == 0 ? "(top level)" : path, "expected a mapping");
        foreach (var (key, value) in mapping.Children)
        {
            var name = Scalar(key, path);
            yield return (name, value, path.Length == 0 ? name : path + "." + name);
        }
    }

    private void Unknown(string path)
    {
        if (IgnoredDistributionKeys.Contains(path)) _warn($"config {_file}: {path} is not supported by berth-registry; ignored");
        else throw Error(path, "unknown key");
    }

    private T UnknownThen<T>(string path, T value)
    {
        Unknown(path);
        return value;
    }

    private FormatException Error(string path, string message) => new($"config {_file}: {path}: {message}");
}
