/* The staff console (webapp/staff/): plain JavaScript, no framework, no build step.
 *
 * Every text that comes from the server (citizens' messages above all) is put on the page with
 * textContent, never innerHTML: HTML or script typed by a citizen shows as text.
 * Changes send the session's CSRF token in X-CSRF-Token with a JSON body.
 */
(function () {
  'use strict';

  var state = { me: null, csrf: null, currentCase: null, procedure: null };

  var STATUS = { new: 'Mới', in_progress: 'Đang xử lý', answered: 'Đã trả lời', closed: 'Đã đóng' };
  var KIND = { complaint: 'Khiếu nại, phản ánh', handoff: 'Gặp cán bộ', feedback: 'Góp ý' };
  var ROLE = { commune_staff: 'Cán bộ điểm hỗ trợ cấp xã', province_admin: 'Quản trị viên cấp tỉnh' };
  var CHANNEL = { socketio: 'Trang web', rest: 'Trang web', facebook: 'Messenger', zalo: 'Zalo' };
  var ACTION = {
    'login': 'Đăng nhập', 'login.failed': 'Đăng nhập sai', 'login.locked': 'Đăng nhập khi bị khóa',
    'logout': 'Đăng xuất', 'account.create': 'Tạo tài khoản', 'account.disable': 'Khóa tài khoản',
    'account.enable': 'Mở tài khoản', 'case.view': 'Xem thông tin cá nhân', 'case.take': 'Nhận xử lý',
    'case.status': 'Đổi trạng thái', 'case.answer': 'Trả lời', 'queue.export': 'Xuất CSV',
    'assisted.checklist': 'Lập danh sách giấy tờ', 'access.denied': 'Bị từ chối quyền',
    'analytics.export': 'Xuất thống kê', 'live.take': 'Nhận hội thoại trực tiếp',
    'live.message': 'Nhắn tin cho người dân', 'live.return': 'Trả lại trợ lý', 'live.view': 'Xem hội thoại trực tiếp',
    'catalogue.aliases': 'Sửa tên gọi thủ tục', 'catalogue.hide': 'Ẩn thủ tục', 'catalogue.show': 'Hiện lại thủ tục',
    'catalogue.fact': 'Hiệu đính thông tin', 'catalogue.fact.clear': 'Bỏ hiệu đính',
    'analytics.export_nlu': 'Xuất câu chưa trả lời (YAML)', 'assisted.send': 'Gửi danh sách giấy tờ vào hội thoại'
  };
  var LIVE_STATE = { waiting: 'Đang chờ', held: 'Cán bộ đang trả lời', returned: 'Đã trả lại trợ lý' };
  var LIVE_CHANNEL = { web: 'Trang web', zalo: 'Zalo', messenger: 'Messenger', rest: 'API' };
  var AUTHOR = { citizen: 'Người dân', assistant: 'Trợ lý', staff: 'Cán bộ', system: 'Thông báo tự động' };
  var ERRORS = {
    invalid: 'Tên đăng nhập hoặc mật khẩu không đúng.',
    locked: 'Tài khoản tạm khóa do đăng nhập sai nhiều lần. Vui lòng thử lại sau',
    not_handler: 'Vui lòng bấm «Nhận xử lý» trước.',
    closed: 'Mục này đã đóng.',
    empty_answer: 'Vui lòng nhập câu trả lời.',
    answer_too_long: 'Câu trả lời quá dài (tối đa 4.000 ký tự).',
    weak_password: 'Mật khẩu cần ít nhất 10 ký tự.',
    bad_username: 'Tên đăng nhập chỉ gồm chữ a-z, số, dấu chấm, gạch dưới, gạch ngang (2–64 ký tự).',
    username_taken: 'Tên đăng nhập đã có.',
    not_found: 'Không tìm thấy.',
    not_holder: 'Vui lòng bấm «Nhận hội thoại» trước.',
    empty_message: 'Vui lòng nhập tin nhắn.',
    message_too_long: 'Tin nhắn quá dài (tối đa 2.000 ký tự).',
    no_online_link: 'Thủ tục chưa có đường dẫn nộp trực tuyến.',
    bad_range: 'Khoảng thời gian không hợp lệ (tối đa 366 ngày, ngày bắt đầu không sau ngày kết thúc).',
    note_required: 'Vui lòng ghi nguồn hoặc lý do.',
    bad_aliases: 'Mỗi tên gọi có ít nhất 3 chữ cái, tối đa 200 ký tự; tối đa 50 tên.',
    bad_field: 'Thông tin này không hiệu đính được.',
    bad_url: 'Đường dẫn phải bắt đầu bằng https://',
    too_long: 'Nội dung quá dài.',
    agreement_required: 'Vui lòng hỏi và đánh dấu người dân đồng ý nhận danh sách trước khi gửi.'
  };

  function $(id) { return document.getElementById(id); }

  function el(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (className) node.className = className;
    return node;
  }

  function row(cells) {
    var tr = document.createElement('tr');
    cells.forEach(function (cell) {
      var td = document.createElement('td');
      if (cell instanceof Node) td.appendChild(cell); else td.textContent = cell === null || cell === undefined ? '' : String(cell);
      tr.appendChild(td);
    });
    return tr;
  }

  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }

  function when(iso) {
    if (!iso) return '';
    var d = new Date(iso);
    return d.toLocaleString('vi-VN', { timeZone: 'Asia/Ho_Chi_Minh' });
  }

  function waited(minutes) {
    if (minutes < 60) return minutes + ' phút';
    if (minutes < 48 * 60) return Math.floor(minutes / 60) + ' giờ';
    return Math.floor(minutes / 1440) + ' ngày';
  }

  function errorText(body, fallback) {
    if (body && body.code && ERRORS[body.code]) return ERRORS[body.code];
    return fallback || 'Có lỗi, vui lòng thử lại.';
  }

  /* fetch with the session cookie; changes carry the CSRF token. Rejects with {status, body}. */
  function api(method, path, data, csrf) {
    var options = { method: method, credentials: 'same-origin', headers: { 'Accept': 'application/json' } };
    if (method !== 'GET') {
      options.headers['Content-Type'] = 'application/json';
      options.headers['X-CSRF-Token'] = csrf || state.csrf || '';
      options.body = JSON.stringify(data || {});
    }
    return fetch(path, options).then(function (reply) {
      return reply.json().catch(function () { return {}; }).then(function (body) {
        if (reply.status === 401 && path !== '/staff/api/login') { signedOut('Phiên làm việc đã hết hạn, vui lòng đăng nhập lại.'); }
        if (!reply.ok) throw { status: reply.status, body: body };
        return body;
      });
    });
  }

  // --- sign-in -----------------------------------------------------------------------------

  function signedOut(message) {
    state.me = null; state.csrf = null;
    stopLiveEvents();
    $('who').hidden = true; $('tabs').hidden = true;
    document.querySelectorAll('.view').forEach(function (v) { v.hidden = true; });
    $('login-view').hidden = false;
    $('login-message').textContent = message || '';
  }

  function signedIn(me, csrf) {
    state.me = me; state.csrf = csrf;
    $('login-view').hidden = true;
    $('who').hidden = false; $('tabs').hidden = false;
    $('who-name').textContent = me.display_name;
    $('who-role').textContent = ROLE[me.role] || me.role;
    document.querySelectorAll('#tabs a[data-permission]').forEach(function (a) {
      a.hidden = (me.permissions || []).indexOf(a.getAttribute('data-permission')) < 0;
    });
    startLiveEvents();
    route();
  }

  $('login-form').addEventListener('submit', function (event) {
    event.preventDefault();
    $('login-message').textContent = '';
    $('login-submit').disabled = true;
    api('GET', '/staff/api/csrf').then(function (token) {
      return api('POST', '/staff/api/login', { username: $('login-username').value, password: $('login-password').value }, token.csrf);
    }).then(function () {
      $('login-password').value = '';
      return api('GET', '/staff/api/me');
    }).then(function (body) {
      signedIn(body.me, body.csrf);
    }).catch(function (failure) {
      var body = failure && failure.body;
      var text = errorText(body, 'Không đăng nhập được, vui lòng thử lại.');
      if (body && body.code === 'locked' && body.locked_until) text += ' (đến ' + when(body.locked_until) + ').';
      $('login-message').textContent = text;
    }).then(function () { $('login-submit').disabled = false; });
  });

  $('logout').addEventListener('click', function () {
    api('POST', '/staff/api/logout').then(function () { signedOut('Đã đăng xuất.'); }, function () { signedOut(''); });
  });

  // --- views -------------------------------------------------------------------------------

  var LOADERS = {
    live: loadLive, queue: loadQueue, assisted: function () {}, ratings: loadRatings, analytics: loadAnalytics,
    accounts: loadAccounts, audit: loadAudit, catalogue: loadCatalogue
  };

  function route() {
    if (!state.me) return;
    var name = (location.hash || '#queue').slice(1);
    if (!LOADERS[name]) name = 'queue';
    var link = document.querySelector('#tabs a[data-view="' + name + '"]');
    if (link && link.hidden) name = 'queue';
    document.querySelectorAll('.view').forEach(function (v) { v.hidden = v.id !== name + '-view'; });
    document.querySelectorAll('#tabs a').forEach(function (a) {
      if (a.getAttribute('data-view') === name) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
    });
    LOADERS[name]();
  }
  window.addEventListener('hashchange', route);

  // --- the queue ---------------------------------------------------------------------------

  function loadQueue() {
    var status = $('queue-status').value;
    $('queue-export').setAttribute('href', '/staff/api/queue.csv?status=' + encodeURIComponent(status));
    return api('GET', '/staff/api/queue?status=' + encodeURIComponent(status)).then(function (body) {
      var tbody = $('queue-table').querySelector('tbody');
      clear(tbody);
      body.items.forEach(function (item) {
        var open = el('button', item.reference, 'link');
        open.type = 'button';
        open.addEventListener('click', function () { openCase(item.key); });
        var tr = row([open, KIND[item.category] || item.category, CHANNEL[item.channel] || item.channel || '',
          el('div', item.text, 'clamp'), waited(item.waited_minutes), STATUS[item.status] || item.status, item.handler || '']);
        tr.setAttribute('data-key', item.key);
        tr.children[3].className = 'excerpt';
        tbody.appendChild(tr);
      });
      $('queue-empty').hidden = body.items.length > 0;
      var c = body.counts;
      $('queue-counts').textContent = 'Mới: ' + c.new + ' · Đang xử lý: ' + c.in_progress + ' · Đã trả lời: ' + c.answered + ' · Đã đóng: ' + c.closed;
    }).catch(function () {});
  }
  $('queue-status').addEventListener('change', loadQueue);

  function showCase(item) {
    state.currentCase = item;
    $('case').hidden = false;
    $('case-title').textContent = (KIND[item.category] || item.category) + ' ' + item.reference;
    var facts = $('case-facts');
    clear(facts);
    [['Kênh', CHANNEL[item.channel] || item.channel], ['Thủ tục', item.procedure_code], ['Điểm đánh giá', item.rating],
     ['Gửi lúc', when(item.created_at)], ['Đã chờ', waited(item.waited_minutes)], ['Trạng thái', STATUS[item.status]],
     ['Cán bộ xử lý', item.handler], ['Mã người dùng trên kênh', item.sender_id]].forEach(function (pair) {
      if (pair[1] === null || pair[1] === undefined || pair[1] === '') return;
      facts.appendChild(el('dt', pair[0]));
      facts.appendChild(el('dd', pair[1]));
    });
    $('case-text').textContent = item.text || '';
    $('case-redacted').hidden = !item.redacted;
    $('case-status').value = item.status;
    $('case-answer').value = item.answer || '';
    $('case-take').hidden = item.mine;
    var canEdit = item.mine;
    $('case-status').disabled = !canEdit; $('case-status-save').disabled = !canEdit;
    $('case-answer').disabled = !canEdit; $('case-answer-save').disabled = !canEdit;
    $('case-delivery').textContent = item.answer_delivery === 'to_deliver'
      ? 'Câu trả lời đã lưu lúc ' + when(item.answered_at) + ', đang chờ gửi tới người dân qua kênh của họ.'
      : ({ sending: 'Đang gửi tới người dân qua kênh của họ.', delivered: 'Đã gửi tới người dân.',
           failed: 'Không gửi được tới người dân; vui lòng liên hệ qua tổng đài.' }[item.answer_delivery] || '');
  }

  function openCase(key) {
    $('case-message').textContent = '';
    return api('GET', '/staff/api/queue/' + encodeURIComponent(key)).then(function (item) {
      showCase(item);
      $('case').scrollIntoView({ block: 'nearest' });  // below the table on a tablet
    }).catch(function (f) {
      $('case-message').textContent = errorText(f && f.body);
    });
  }

  function caseChange(path, data, done) {
    var item = state.currentCase;
    if (!item) return;
    api('POST', '/staff/api/queue/' + encodeURIComponent(item.key) + path, data).then(function (updated) {
      showCase(updated);
      $('case-message').textContent = done;
      loadQueue();
    }).catch(function (f) { $('case-message').textContent = errorText(f && f.body); });
  }

  $('case-take').addEventListener('click', function () { caseChange('/take', {}, 'Bạn đang xử lý mục này.'); });
  $('case-status-save').addEventListener('click', function () {
    caseChange('/status', { status: $('case-status').value }, 'Đã cập nhật trạng thái.');
  });
  $('case-answer-save').addEventListener('click', function () {
    caseChange('/answer', { text: $('case-answer').value }, 'Đã lưu câu trả lời.');
  });

  // --- live hand-over ----------------------------------------------------------------------
  /* The inbox is pushed by the server (server-sent events, /staff/api/live/events) whenever a
   * hand-over or a message changes; the open conversation is fetched again when its messages change. */

  function waitedSeconds(seconds) {
    if (seconds < 60) return seconds + ' giây';
    return waited(Math.floor(seconds / 60));
  }

  function stopLiveEvents() {
    if (state.liveSource) { state.liveSource.close(); state.liveSource = null; }
  }

  function startLiveEvents() {
    stopLiveEvents();
    if (!window.EventSource || (state.me.permissions || []).indexOf('queue') < 0) return;
    var source = new EventSource('/staff/api/live/events');
    state.liveSource = source;
    source.addEventListener('inbox', function (event) {
      $('live-connection').textContent = '';
      showInbox(JSON.parse(event.data));
    });
    source.addEventListener('signed_out', function () {
      stopLiveEvents();
      signedOut('Phiên làm việc đã hết hạn, vui lòng đăng nhập lại.');
    });
    source.onerror = function () {
      $('live-connection').textContent = 'Mất kết nối, đang kết nối lại…';
    };
  }

  function loadLive() {
    return api('GET', '/staff/api/live').then(showInbox).catch(function () {});
  }

  function showInbox(body) {
    state.inbox = body;
    var waiting = body.items.filter(function (i) { return i.state === 'waiting'; }).length;
    $('live-badge').hidden = waiting === 0;
    $('live-badge').textContent = waiting;
    $('live-hours').textContent = (body.in_office ? 'Đang trong giờ làm việc' : 'Ngoài giờ làm việc') + ' (' + body.hours + ').';
    var tbody = $('live-table').querySelector('tbody');
    clear(tbody);
    body.items.forEach(function (item) {
      var open = el('button', item.reference, 'link');
      open.type = 'button';
      open.addEventListener('click', function () { openLive(item.id); });
      var procedure = item.procedure_name ? item.procedure_name + ' (' + item.procedure_code + ')' : (item.procedure_code || '');
      var tr = row([open, LIVE_CHANNEL[item.channel] || item.channel, procedure, waitedSeconds(item.waited_seconds),
        (LIVE_STATE[item.state] || item.state) + (item.notice_sent && item.state === 'waiting' ? ' (đã báo tổng đài)' : ''),
        item.staff || '']);
      tr.setAttribute('data-live', item.id);
      tr.className = item.state + (state.liveOpen === item.id ? ' current' : '');
      tbody.appendChild(tr);
      if (state.liveOpen === item.id && item.last_message_id !== state.liveLast) openLive(item.id, true);
    });
    $('live-empty').hidden = body.items.length > 0;
  }

  function transcript(list, entries) {
    clear(list);
    entries.forEach(function (entry) {
      var li = el('li', null, entry.author);
      var who = AUTHOR[entry.author] || entry.author;
      if (entry.author === 'staff' && entry.staff) who += ' ' + entry.staff;
      if (entry.at) who += ' · ' + when(entry.at);
      if (entry.author !== 'citizen' && entry.delivered === false) who += entry.failed ? ' · không gửi được' : ' · đang gửi';
      li.appendChild(el('span', who, 'who'));
      li.appendChild(document.createTextNode(entry.text));
      list.appendChild(li);
    });
    list.scrollTop = list.scrollHeight;
  }

  function showLive(chat) {
    state.liveOpen = chat.id;
    state.liveLast = chat.messages.length ? chat.messages[chat.messages.length - 1].id : 0;
    $('live-chat').hidden = false;
    $('live-chat-title').textContent = 'Yêu cầu ' + (chat.reference || '');
    var facts = $('live-facts');
    clear(facts);
    [['Kênh', LIVE_CHANNEL[chat.channel] || chat.channel],
     ['Thủ tục', chat.procedure_name ? chat.procedure_name + ' (' + chat.procedure_code + ')' : chat.procedure_code],
     ['Gửi lúc', when(chat.created_at)], ['Đã chờ', waitedSeconds(chat.waited_seconds)],
     ['Trạng thái', LIVE_STATE[chat.state] || chat.state]].forEach(function (pair) {
      if (!pair[1]) return;
      facts.appendChild(el('dt', pair[0]));
      facts.appendChild(el('dd', pair[1]));
    });
    transcript($('live-earlier'), chat.earlier);
    transcript($('live-messages'), chat.messages);
    $('live-redacted').hidden = !chat.redacted;
    $('live-take').hidden = chat.mine;
    $('live-return').hidden = !chat.mine;
    $('live-form').hidden = !chat.mine;
    document.querySelectorAll('#live-table tr[data-live]').forEach(function (tr) {
      tr.classList.toggle('current', Number(tr.getAttribute('data-live')) === chat.id);
    });
  }

  function openLive(id, quiet) {
    if (!quiet) $('live-message').textContent = '';
    return api('GET', '/staff/api/live/' + encodeURIComponent(id)).then(function (chat) {
      showLive(chat);
      if (!quiet) $('live-chat').scrollIntoView({ block: 'nearest' });
    }).catch(function (f) { $('live-message').textContent = errorText(f && f.body); });
  }

  function liveChange(path, data, done) {
    if (!state.liveOpen) return Promise.resolve();
    return api('POST', '/staff/api/live/' + state.liveOpen + path, data).then(function (chat) {
      if (chat && chat.messages) showLive(chat); else openLive(state.liveOpen, true);
      $('live-message').textContent = done;
    }).catch(function (f) { $('live-message').textContent = errorText(f && f.body); });
  }

  $('live-take').addEventListener('click', function () {
    liveChange('/take', {}, 'Bạn đang trả lời người dân; trợ lý tạm ngừng trả lời hội thoại này.');
  });
  $('live-return').addEventListener('click', function () {
    liveChange('/return', {}, 'Đã trả lại trợ lý: trợ lý trả lời người dân từ tin nhắn tiếp theo.');
  });
  $('live-form').addEventListener('submit', function (event) {
    event.preventDefault();
    var text = $('live-text').value;
    liveChange('/messages', { text: text }, '').then(function () {
      if ($('live-message').textContent === '') $('live-text').value = '';
    });
  });
  $('live-text').addEventListener('keydown', function (event) {
    if (event.key === 'Enter' && !event.shiftKey) { event.preventDefault(); $('live-form').requestSubmit(); }
  });

  // --- assisted mode -----------------------------------------------------------------------

  $('search-form').addEventListener('submit', function (event) {
    event.preventDefault();
    var list = $('search-results');
    clear(list);
    $('search-message').textContent = '';
    api('GET', '/staff/api/procedures?q=' + encodeURIComponent($('search-q').value.trim())).then(function (body) {
      if (!body.results.length) $('search-message').textContent = 'Không tìm thấy thủ tục phù hợp.';
      body.results.forEach(function (hit) {
        var li = document.createElement('li');
        var open = el('button', hit.name, 'link');
        open.type = 'button';
        open.addEventListener('click', function () { openProcedure(hit.code); });
        li.appendChild(open);
        li.appendChild(el('span', ' (' + hit.code + (hit.agency ? ' · ' + hit.agency : '') + ')', 'muted'));
        list.appendChild(li);
      });
    }).catch(function (f) { $('search-message').textContent = errorText(f && f.body); });
  });

  function openProcedure(code) {
    api('GET', '/staff/api/procedures/' + encodeURIComponent(code)).then(function (body) {
      state.procedure = body.record;
      $('procedure').hidden = false;
      $('checklist').hidden = true;
      $('procedure-name').textContent = body.record.name;
      $('procedure-code').textContent = body.record.code;
      var box = $('procedure-case-list');
      clear(box);
      body.cases.forEach(function (text, index) {
        var label = document.createElement('label');
        label.className = 'check';
        var input = document.createElement('input');
        input.type = 'checkbox'; input.value = String(index); input.name = 'case';
        label.appendChild(input);
        label.appendChild(document.createTextNode(' ' + text));
        box.appendChild(label);
      });
      $('procedure-no-cases').hidden = body.cases.length > 0;
    }).catch(function (f) { $('search-message').textContent = errorText(f && f.body); });
  }

  $('make-checklist').addEventListener('click', function () {
    var p = state.procedure;
    if (!p) return;
    var chosen = [].map.call(document.querySelectorAll('#procedure-case-list input:checked'), function (i) { return i.value; });
    api('GET', '/staff/api/procedures/' + encodeURIComponent(p.code) + '/checklist?cases=' + chosen.join(','))
      .then(showChecklist)
      .catch(function (f) { $('search-message').textContent = errorText(f && f.body); });
  });

  function count(n) { return n === null || n === undefined ? '' : String(n); }

  function showChecklist(c) {
    $('checklist').hidden = false;
    $('cl-name').textContent = c.name;
    $('cl-code').textContent = c.code;
    $('cl-updated').textContent = c.updated_at ? c.updated_at.split('-').reverse().join('/') : 'không rõ';
    $('cl-cases').textContent = c.cases.length ? 'Trường hợp: ' + c.cases.join('; ') : '';
    var tbody = $('cl-documents').querySelector('tbody');
    clear(tbody);
    c.documents.forEach(function (d) {
      var note = [d.case, d.form_name ? 'Mẫu: ' + d.form_name : ''].filter(Boolean).join(' · ');
      tbody.appendChild(row([d.name, count(d.originals), count(d.copies), note]));
    });
    var fees = $('cl-fees');
    clear(fees);
    if (!c.fees.length) fees.appendChild(el('li', 'Chưa có thông tin lệ phí: vui lòng hỏi cơ quan tiếp nhận.'));
    c.fees.forEach(function (f) { fees.appendChild(el('li', (f.name ? f.name + ': ' : '') + f.text)); });
    $('cl-time').textContent = c.processing_time || 'Chưa có thông tin.';
    $('cl-agency').textContent = c.agency || '';
    var methods = $('cl-methods');
    clear(methods);
    c.methods.forEach(function (m) {
      methods.appendChild(el('li', [m.channel, m.processing_time, m.fee_text].filter(Boolean).join(' · ')));
    });
    $('cl-online').hidden = !c.online_url;
    if (c.online_url) {
      $('cl-online-url').textContent = c.online_url;
      $('cl-qr').src = '/staff/api/procedures/' + encodeURIComponent(c.code) + '/qr.svg';
    } else {
      $('cl-qr').removeAttribute('src');
    }
    $('cl-printed').textContent = new Date().toLocaleDateString('vi-VN', { timeZone: 'Asia/Ho_Chi_Minh' });
    $('cl-send-message').textContent = '';
    loadSendTargets();
    $('checklist').scrollIntoView();
  }

  $('print-checklist').addEventListener('click', function () { window.print(); });

  // The checklist into a conversation the staff member holds, once the citizen has agreed (recorded).
  function loadSendTargets() {
    var select = $('cl-send-live');
    clear(select);
    return api('GET', '/staff/api/live').then(function (body) {
      var mine = body.items.filter(function (i) { return i.mine && i.state === 'held' && i.channel !== 'rest'; });
      mine.forEach(function (i) {
        var option = el('option', i.reference + ' · ' + (LIVE_CHANNEL[i.channel] || i.channel));
        option.value = String(i.id);
        select.appendChild(option);
      });
      $('cl-send-none').hidden = mine.length > 0;
      select.disabled = $('cl-send-button').disabled = mine.length === 0;
    }).catch(function () {});
  }

  $('cl-send').addEventListener('submit', function (event) {
    event.preventDefault();
    var p = state.procedure;
    if (!p || !$('cl-send-live').value) return;
    var chosen = [].map.call(document.querySelectorAll('#procedure-case-list input:checked'), function (i) { return i.value; });
    api('POST', '/staff/api/procedures/' + encodeURIComponent(p.code) + '/send', {
      live_id: parseInt($('cl-send-live').value, 10), cases: chosen.join(','), agreed: $('cl-send-agreed').checked
    }).then(function (r) {
      $('cl-send-message').textContent = 'Đã gửi danh sách (' + r.messages.length + ' tin nhắn) vào hội thoại.';
      $('cl-send-agreed').checked = false;
    }).catch(function (f) { $('cl-send-message').textContent = errorText(f && f.body); });
  });

  // --- ratings, accounts, audit ------------------------------------------------------------

  function loadRatings() {
    api('GET', '/staff/api/ratings').then(function (r) {
      $('ratings-summary').textContent = r.count
        ? r.count + ' lượt đánh giá · điểm trung bình ' + r.average.toFixed(2) + ' · hài lòng (4–5 điểm): ' + Math.round(r.share_4_5 * 100) + '%'
        : 'Chưa có lượt đánh giá nào.';
      var bars = $('ratings-bars');
      clear(bars);
      ['5', '4', '3', '2', '1'].forEach(function (k) {
        var n = r.by_rating[k];
        var line = el('div', null, 'bar-line');
        line.appendChild(el('span', k + ' điểm', 'bar-label'));
        var bar = el('span', null, 'bar');
        bar.style.width = (r.count ? Math.round(100 * n / r.count) : 0) + '%';  // CSSOM: allowed by the CSP
        line.appendChild(bar);
        line.appendChild(el('span', String(n), 'bar-value'));
        bars.appendChild(line);
      });
    }).catch(function () {});
  }

  function loadAccounts() {
    api('GET', '/staff/api/accounts').then(function (body) {
      var tbody = $('accounts-table').querySelector('tbody');
      clear(tbody);
      body.accounts.forEach(function (a) {
        var toggle = el('button', a.active ? 'Khóa' : 'Mở khóa', 'secondary');
        toggle.type = 'button';
        toggle.addEventListener('click', function () {
          api('POST', '/staff/api/accounts/' + encodeURIComponent(a.username) + '/active', { active: !a.active })
            .then(loadAccounts)
            .catch(function (f) { $('account-message').textContent = errorText(f && f.body); });
        });
        tbody.appendChild(row([a.username, a.display_name, ROLE[a.role] || a.role, a.commune || '',
          a.active ? 'Đang hoạt động' : 'Đã khóa', a.username === state.me.username ? '' : toggle]));
      });
    }).catch(function () {});
  }

  $('account-form').addEventListener('submit', function (event) {
    event.preventDefault();
    api('POST', '/staff/api/accounts', {
      username: $('account-username').value, display_name: $('account-name').value, role: $('account-role').value,
      commune: $('account-commune').value || null, password: $('account-password').value
    }).then(function (a) {
      $('account-message').textContent = 'Đã tạo tài khoản ' + a.username + '.';
      $('account-form').reset();
      loadAccounts();
    }).catch(function (f) { $('account-message').textContent = errorText(f && f.body); });
  });

  function loadAudit() {
    api('GET', '/staff/api/audit').then(function (body) {
      var tbody = $('audit-table').querySelector('tbody');
      clear(tbody);
      body.entries.forEach(function (e) {
        tbody.appendChild(row([when(e.at), e.username || '', ACTION[e.action] || e.action, e.target || '', e.ip || '']));
      });
    }).catch(function () {});
  }

  // --- catalogue review (administrators) ---------------------------------------------------

  var WARNING = {
    no_documents: 'Không có danh sách giấy tờ', no_fee: 'Không có thông tin lệ phí',
    no_processing_time: 'Không có thời hạn giải quyết', no_agency: 'Không có cơ quan thực hiện',
    from_seed: 'Một số thông tin lấy từ dữ liệu mẫu (cũ hơn trang quốc gia)', no_source: 'Không rõ nguồn nhập'
  };
  var FIELD = {
    processing_time: 'Thời hạn giải quyết', fee: 'Lệ phí', agency: 'Cơ quan thực hiện', result: 'Kết quả',
    conditions: 'Điều kiện', online_url: 'Đường dẫn nộp trực tuyến'
  };
  var SOURCE_KIND = { seed: 'Dữ liệu mẫu', portal: 'Trang dịch vụ công quốc gia', file: 'Tệp nhập' };

  function sourceText(s) {
    if (!s) return 'Không rõ nguồn';
    return (SOURCE_KIND[s.kind] || s.kind || '') + (s.file ? ' · ' + s.file + (s.line ? ' dòng ' + s.line : '') : '');
  }

  function warningText(w) {
    var text = WARNING[w.code] || w.code;
    if (w.code === 'from_seed' && w.fields) text += ': ' + w.fields.join(', ');
    return text;
  }

  function loadCatalogue() {
    var query = '?q=' + encodeURIComponent($('catalogue-q').value.trim()) + '&only=' + encodeURIComponent($('catalogue-only').value);
    return api('GET', '/staff/api/catalogue' + query).then(function (body) {
      var c = body.counts;
      $('catalogue-counts').textContent = c.all + ' thủ tục · ' + c.warnings + ' có cảnh báo · ' + c.hidden + ' đang ẩn · ' +
        c.reviewed + ' đã rà soát' + (body.total > body.items.length ? ' · hiện ' + body.items.length + '/' + body.total : '');
      var tbody = $('catalogue-table').querySelector('tbody');
      clear(tbody);
      body.items.forEach(function (item) {
        var open = el('button', item.name, 'link');
        open.type = 'button';
        open.addEventListener('click', function () { openReview(item.code); });
        var review = [item.hidden ? 'Đang ẩn' : '', item.aliases_added ? '+' + item.aliases_added + ' tên gọi' : '',
          item.facts_corrected.length ? 'Hiệu đính: ' + item.facts_corrected.map(function (f) { return FIELD[f] || f; }).join(', ') : '']
          .filter(Boolean).join(' · ');
        tbody.appendChild(row([item.code, open, sourceText(item.source), item.warnings.map(warningText).join('; '), review]));
      });
    }).catch(function (f) { $('catalogue-counts').textContent = errorText(f && f.body); });
  }

  function lines(text) { return text.split('\n').map(function (t) { return t.trim(); }).filter(Boolean); }

  function showReview(d) {
    state.review = d;
    $('review').hidden = false;
    $('review-name').textContent = d.name;
    $('review-code').textContent = d.code;
    $('review-source').textContent = sourceText(d.source) + (d.updated_at ? ' · dữ liệu ngày ' + d.updated_at.split('-').reverse().join('/') : '');
    var warnings = $('review-warnings');
    clear(warnings);
    if (!d.warnings.length) warnings.appendChild(el('li', 'Không có cảnh báo khi nhập.', 'muted'));
    d.warnings.forEach(function (w) { warnings.appendChild(el('li', warningText(w))); });
    $('review-effective').textContent = d.aliases.effective.join(' · ') || '(chưa có)';
    $('review-added').value = d.aliases.added.join('\n');
    $('review-removed').value = d.aliases.removed.join('\n');
    var select = $('review-field');
    var chosen = select.value || d.correctable[0];
    clear(select);
    d.correctable.forEach(function (f) {
      var option = el('option', FIELD[f] || f);
      option.value = f;
      select.appendChild(option);
    });
    select.value = chosen;
    showFact();
    $('review-hide').textContent = d.hidden ? 'Hiện lại với trợ lý' : 'Ẩn thủ tục';
    $('review-hide-note').value = d.hidden_note || '';
    var history = $('review-history');
    clear(history);
    d.history.forEach(function (e) {
      var detail = e.detail && e.detail.field ? ' (' + (FIELD[e.detail.field] || e.detail.field) + ')' : '';
      history.appendChild(el('li', when(e.at) + ' · ' + (e.username || '') + ' · ' + (ACTION[e.action] || e.action) + detail));
    });
  }

  function showFact() {
    var d = state.review;
    var fact = d.facts[$('review-field').value];
    if (!fact) return;
    $('review-original').textContent = fact.original || '(trống)';
    $('review-value').value = fact.corrected ? fact.corrected.value : '';
    $('review-note').value = fact.corrected ? fact.corrected.note : '';
  }

  $('review-field').addEventListener('change', showFact);

  function openReview(code) {
    $('review-message').textContent = '';
    return api('GET', '/staff/api/catalogue/' + encodeURIComponent(code)).then(showReview)
      .catch(function (f) { $('review-message').textContent = errorText(f && f.body); });
  }

  function reviewChange(path, data, done) {
    var d = state.review;
    api('POST', '/staff/api/catalogue/' + encodeURIComponent(d.code) + '/' + path, data).then(function (next) {
      showReview(next);
      $('review-message').textContent = done;
      loadCatalogue();
    }).catch(function (f) { $('review-message').textContent = errorText(f && f.body); });
  }

  $('catalogue-form').addEventListener('submit', function (event) { event.preventDefault(); loadCatalogue(); });
  $('review-aliases-form').addEventListener('submit', function (event) {
    event.preventDefault();
    reviewChange('aliases', { added: lines($('review-added').value), removed: lines($('review-removed').value) },
      'Đã lưu tên gọi. Trợ lý dùng tên mới trong vài giây.');
  });
  $('review-fact-form').addEventListener('submit', function (event) {
    event.preventDefault();
    reviewChange('facts', { field: $('review-field').value, value: $('review-value').value, note: $('review-note').value },
      'Đã lưu hiệu đính.');
  });
  $('review-hide-form').addEventListener('submit', function (event) {
    event.preventDefault();
    reviewChange('hidden', { hidden: !state.review.hidden, note: $('review-hide-note').value },
      state.review.hidden ? 'Đã hiện lại thủ tục.' : 'Đã ẩn thủ tục.');
  });

  // --- analytics (Chart.js, served by this site: /staff/static/vendor/, built from npm) ------

  var charts = {};
  var SERIES_COLOURS = { web: '#0b57a4', zalo: '#0aa1dd', messenger: '#7b3fe4', rest: '#8a949e', other: '#c7ccd1' };
  var CHANNEL_NAMES = { web: 'Trang web', zalo: 'Zalo', messenger: 'Messenger', rest: 'REST', other: 'Khác' };
  var chartLibrary = null;

  function loadChartLibrary() {
    if (window.Chart) return Promise.resolve(window.Chart);
    if (!chartLibrary) {
      chartLibrary = new Promise(function (resolve, reject) {
        var script = document.createElement('script');
        script.src = '/staff/static/vendor/chart.umd.min.js';
        script.onload = function () { resolve(window.Chart); };
        script.onerror = function () { chartLibrary = null; reject(new Error('chart library')); };
        document.head.appendChild(script);
      });
    }
    return chartLibrary;
  }

  function draw(id, config) {
    if (charts[id]) charts[id].destroy();
    config.options = Object.assign({ animation: false, responsive: true, maintainAspectRatio: false,
      plugins: { legend: { position: 'bottom' } } }, config.options || {});
    charts[id] = new window.Chart($(id), config);
  }

  function shortDay(iso) { var p = iso.split('-'); return p[2] + '/' + p[1]; }

  function percent(x) { return x === null || x === undefined ? '—' : Math.round(x * 1000) / 10 + '%'; }

  function showTotals(t) {
    var box = $('analytics-totals');
    clear(box);
    [['Cuộc hội thoại', t.conversations], ['Tin nhắn', t.messages], ['Gặp cán bộ', t.handoffs],
     ['Khiếu nại', t.complaints], ['Tỷ lệ chuyển cán bộ', percent(t.handoff_share)], ['Lượt đánh giá', t.ratings],
     ['Điểm trung bình', t.average_rating === null ? '—' : t.average_rating], ['Hài lòng (4–5)', percent(t.share_4_5)],
     ['Tra cứu hồ sơ', t.lookups], ['Mã hồ sơ bị khóa', t.lockouts], ['Lượt hỏi', t.turns],
     ['Đã trả lời', percent(t.answered_share)], ['Hỏi lại', percent(t.asked_back_share)],
     ['Chuyển cán bộ (lượt)', percent(t.handed_over_share)], ['Chưa trả lời', percent(t.unanswered_share)]].forEach(function (pair) {
      var item = document.createElement('div');
      item.appendChild(el('dt', pair[0]));
      item.appendChild(el('dd', pair[1]));
      box.appendChild(item);
    });
  }

  function analyticsQuery() {
    return '?from=' + encodeURIComponent($('analytics-from').value) + '&to=' + encodeURIComponent($('analytics-to').value) +
      '&channel=' + encodeURIComponent($('analytics-channel').value);
  }

  function loadAnalytics() {
    $('analytics-message').textContent = '';
    // Empty dates: the server's last 30 days, in Vietnam time whatever the browser's clock says.
    return Promise.all([api('GET', '/staff/api/analytics' + analyticsQuery()), loadChartLibrary()]).then(function (results) {
      var r = results[0];
      if (!$('analytics-to').value && r.days.length) {
        $('analytics-from').value = r.days[0];
        $('analytics-to').value = r.days[r.days.length - 1];
      }
      $('analytics-export').setAttribute('href', '/staff/api/analytics.csv' + analyticsQuery());
      $('analytics-nlu').setAttribute('href', '/staff/api/analytics/unanswered.yml' + analyticsQuery());
      var labels = r.days.map(shortDay);
      showTotals(r.totals);
      draw('chart-conversations', { type: 'bar', data: { labels: labels, datasets: Object.keys(r.conversations).map(function (name) {
        return { label: CHANNEL_NAMES[name] || name, data: r.conversations[name], backgroundColor: SERIES_COLOURS[name] || '#555', stack: 'c' };
      }) }, options: { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } } } });
      draw('chart-handoffs', { type: 'bar', data: { labels: labels, datasets: [
        { label: 'Gặp cán bộ', data: r.handoffs, backgroundColor: '#a4161a' },
        { label: 'Khiếu nại', data: r.complaints, backgroundColor: '#f2a900' }
      ] }, options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } } });
      draw('chart-ratings', { type: 'bar', data: { labels: ['1', '2', '3', '4', '5'], datasets: [
        { label: 'Lượt đánh giá', data: ['1', '2', '3', '4', '5'].map(function (k) { return r.ratings.by_rating[k]; }),
          backgroundColor: ['#a4161a', '#d9534f', '#f2a900', '#5cb85c', '#1d6b3a'] }
      ] }, options: { plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } } });
      draw('chart-satisfaction', { type: 'line', data: { labels: labels, datasets: [
        { label: 'Điểm trung bình', data: r.ratings.average, borderColor: '#1d6b3a', backgroundColor: '#1d6b3a', spanGaps: true }
      ] }, options: { scales: { y: { min: 1, max: 5 } } } });
      draw('chart-lookups', { type: 'bar', data: { labels: labels, datasets: [
        { label: 'Tra cứu hồ sơ', data: r.lookups, backgroundColor: '#0b57a4' },
        { label: 'Mã bị khóa', data: r.lockouts, backgroundColor: '#a4161a' }
      ] }, options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } } });
      draw('chart-outcomes', { type: 'bar', data: { labels: labels, datasets: [
        { label: 'Đã trả lời', data: r.outcomes.answered, backgroundColor: '#1d6b3a', stack: 'o' },
        { label: 'Hỏi lại', data: r.outcomes.asked_back, backgroundColor: '#0b57a4', stack: 'o' },
        { label: 'Chuyển cán bộ', data: r.outcomes.handed_over, backgroundColor: '#f2a900', stack: 'o' },
        { label: 'Chưa trả lời', data: r.outcomes.unanswered, backgroundColor: '#a4161a', stack: 'o' }
      ] }, options: { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } } } });
      var unanswered = $('unanswered-table').querySelector('tbody');
      clear(unanswered);
      if (!r.unanswered.length) unanswered.appendChild(row(['', 'Không có câu hỏi chưa trả lời trong khoảng thời gian này.', '']));
      r.unanswered.forEach(function (g) {
        unanswered.appendChild(row([g.count, g.text, g.examples.slice(1).join(' · ')]));
      });
      draw('chart-messages', { type: 'line', data: { labels: labels, datasets: [
        { label: 'Tin nhắn', data: r.messages, borderColor: '#0b57a4', backgroundColor: '#0b57a4' }
      ] }, options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } } });
    }).catch(function (f) {
      $('analytics-message').textContent = f && f.body ? errorText(f.body) : 'Không tải được thư viện biểu đồ.';
    });
  }

  $('analytics-form').addEventListener('submit', function (event) { event.preventDefault(); loadAnalytics(); });

  // --- start -------------------------------------------------------------------------------

  fetch('/staff/api/me', { credentials: 'same-origin' }).then(function (reply) {
    if (!reply.ok) { signedOut(''); return null; }
    return reply.json();
  }).then(function (body) { if (body) signedIn(body.me, body.csrf); }).catch(function () { signedOut(''); });
})();
