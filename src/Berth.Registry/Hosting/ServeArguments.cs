using Berth.Registry.Observability;

namespace Berth.Registry.Hosting;

/// <summary>
/// The flags of <c>berth-registry serve</c>. The config file (<c>--config</c>) is read first and
/// every flag given overrides it, wherever <c>--config</c> stands on the line.
/// </summary>
public static class ServeArguments
{
    public const string Help = """
        usage: berth-registry serve [OPTIONS]

        Serves the OCI distribution API (docker registry v2).

        options:
          --addr HOST:PORT          listen address (default 127.0.0.1:5000)
          --root DIR                storage directory (default ./registry)
          --config FILE             YAML config file (distribution's config.yml layout); flags override it
          --tls-cert FILE           PEM certificate (chain): serve HTTPS; needs --tls-key
          --tls-key FILE            PEM private key of --tls-cert
          --auth MODE               none, htpasswd or token (default: from the config file, else none)
          --htpasswd FILE           htpasswd file with bcrypt entries (htpasswd -B); implies --auth htpasswd
          --max-upload-size BYTES   refuse blobs larger than this (suffixes K, M, G, T)
          --read-only               maintenance mode: pulls only, writes answer 405
          --delete                  allow deleting manifests and blobs
          --metrics-addr HOST:PORT  serve Prometheus metrics at /metrics on a separate listener
          --log-level LEVEL         error, warn, info (default) or debug
          -h, --help                show this help

        other commands:
          berth-registry garbage-collect --root DIR [--dry-run] [--delete-untagged]
        """;

    private static readonly HashSet<string> BooleanFlags = ["--read-only", "--delete"];
    private static readonly HashSet<string> ValueFlags =
    [
        "--addr", "--root", "--config", "--tls-cert", "--tls-key", "--auth", "--htpasswd", "--max-upload-size",
        "--metrics-addr", "--log-level",
    ];

    /// <summary>Options from the arguments after "serve"; FormatException names the problem (exit code 2).</summary>
    public static RegistryServerOptions Parse(IReadOnlyList<string> args, Action<string> warn)
    {
        var flags = new List<(string Name, string Value)>();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            var (name, value) = arg.Split('=', 2) is [var n, var v] ? (n, (string?)v) : (arg, null);
            if (BooleanFlags.Contains(name))
            {
                flags.Add((name, value ?? "true"));
                continue;
            }
            if (!ValueFlags.Contains(name))
                throw new FormatException(arg.StartsWith('-') ? $"unknown flag \"{name}\"" : $"unexpected argument \"{arg}\"");
            if (value is null)
            {
                if (++i >= args.Count) throw new FormatException($"flag {name} needs a value");
                value = args[i];
            }
            flags.Add((name, value));
        }

        var options = new RegistryServerOptions(
            RegistryServerOptions.ParseAddress(RegistryServerOptions.DefaultAddress), Path.Combine(Environment.CurrentDirectory, "registry"));
        if (flags.LastOrDefault(f => f.Name == "--config") is { Value: { } config })
            options = RegistryConfigFile.Apply(options, config, warn);

        AuthMode? auth = null;
        string? cert = null, key = null;
        foreach (var (name, value) in flags)
        {
            options = name switch
            {
                "--addr" => options with { Endpoint = Checked(name, value, RegistryServerOptions.ParseAddress) },
                "--root" => options with { Root = Path.GetFullPath(value) },
                "--htpasswd" => options with { HtpasswdPath = Path.GetFullPath(value) },
                "--max-upload-size" => options with { MaxUploadSize = Checked(name, value, Units.ParseSize) },
                "--read-only" => options with { ReadOnly = Checked(name, value, Units.ParseBool) },
                "--delete" => options with { DeleteEnabled = Checked(name, value, Units.ParseBool) },
                "--metrics-addr" => options with { MetricsEndpoint = Checked(name, value, RegistryServerOptions.ParseAddress) },
                "--log-level" => options with { LogLevel = Checked(name, value, RegistryLog.ParseLevel) },
                _ => options,
            };
            if (name == "--auth") auth = Checked(name, value, ParseAuth);
            if (name == "--tls-cert") cert = Path.GetFullPath(value);
            if (name == "--tls-key") key = Path.GetFullPath(value);
        }
        if (cert is not null || key is not null)
        {
            if (cert is null || key is null) throw new FormatException("--tls-cert and --tls-key must be given together");
            options = options with { Tls = new TlsFiles(cert, key) };
        }
        if (auth is { } mode) options = options with { Auth = mode };
        else if (flags.Any(f => f.Name == "--htpasswd") && options.Auth == AuthMode.None) options = options with { Auth = AuthMode.Htpasswd };
        return Validate(options);
    }

    private static RegistryServerOptions Validate(RegistryServerOptions options)
    {
        if (options.Auth == AuthMode.Htpasswd && options.HtpasswdPath is null)
            throw new FormatException("--auth htpasswd needs --htpasswd FILE (or auth.htpasswd.path in the config file)");
        RequireFile(options.HtpasswdPath, "htpasswd file");
        RequireFile(options.Tls?.CertificatePath, "TLS certificate");
        RequireFile(options.Tls?.KeyPath, "TLS key");
        RequireFile(options.Token.SigningKeyPath, "token signing key");
        if (options.MaxUploadSize is <= 0) throw new FormatException("--max-upload-size must be positive");
        return options;
    }

    private static void RequireFile(string? path, string what)
    {
        if (path is not null && !File.Exists(path)) throw new FormatException($"{what} {path} does not exist");
    }

    private static AuthMode ParseAuth(string value) => value switch
    {
        "none" => AuthMode.None,
        "htpasswd" => AuthMode.Htpasswd,
        "token" => AuthMode.Token,
        _ => throw new FormatException($"\"{value}\" is not one of none, htpasswd, token"),
    };

    private static T Checked<T>(string flag, string value, Func<string, T> parse)
    {
        try
        {
            return parse(value);
        }
        catch (FormatException e)
        {
            throw new FormatException($"{flag}: {e.Message}");
        }
    }
}
