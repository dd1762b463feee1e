'use strict';
// The unit tree filter: choosing (or clearing) a unit in the search box applies the filter.
{
    const $ = django.jQuery;
    $(function() {
        $('.unit-tree-autocomplete').on('change', function() {
            this.form.submit();
        });
    });
}
