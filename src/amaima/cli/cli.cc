namespace amaima::cli {}
